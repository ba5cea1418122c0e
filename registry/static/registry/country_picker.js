/* The country picker (registry/admin/widgets.py): the admin's Select2, searching names, readings and codes. */
'use strict';
{
    const $ = django.jQuery;
    const toHiragana = (text) => text.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));

    function matcher(params, data) {
        const term = toHiragana((params.term || '').trim()).toLowerCase();
        if (!term) {
            return data;
        }
        const element = data.element;
        const reading = element && element.dataset.reading ? element.dataset.reading : '';
        const code = element ? element.value.toLowerCase() : '';
        if (toHiragana(data.text).toLowerCase().includes(term) || reading.includes(term) || code === term) {
            return data;
        }
        return null;
    }

    $(function() {
        $('select.country-picker').each(function() {
            $(this).select2({language: 'ja', matcher: matcher, allowClear: !this.multiple && !this.required});
        });
    });
}
