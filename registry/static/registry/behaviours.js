// What the staff pages' controls do, without inline scripts or event-handler attributes (the Content Security
// Policy allows scripts from this site's files only): the templates mark the controls with data-* attributes.
(function () {
  "use strict";

  function each(selector, callback) {
    document.querySelectorAll(selector).forEach(callback);
  }

  function boxesOf(form, name) {
    return (form || document).querySelectorAll("input[type=checkbox][name='" + name + "']");
  }

  function init() {
    // A select that shows its choice at once.
    each("[data-submit-on-change]", function (field) {
      field.addEventListener("change", function () { field.form.submit(); });
    });
    // A box that ticks or clears every box of a name.
    each("[data-check-all]", function (toggle) {
      toggle.addEventListener("click", function () {
        boxesOf(toggle.form, toggle.dataset.checkAll).forEach(function (box) { box.checked = toggle.checked; });
      });
    });
    // A button that sends only its own value: the ticked boxes of the same name are cleared first.
    each("[data-only-this]", function (button) {
      button.addEventListener("click", function () {
        boxesOf(button.form, button.dataset.onlyThis).forEach(function (box) { box.checked = false; });
      });
    });
    each("[data-print]", function (link) {
      link.addEventListener("click", function (event) { event.preventDefault(); window.print(); });
    });
    // A form that asks before it is sent.
    each("form[data-confirm]", function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
    // The filter box starts closed on a narrow screen, unless it shows an error.
    var filters = document.querySelector("details.filters-box");
    if (filters && window.matchMedia("(max-width: 700px)").matches && !filters.querySelector(".errorlist")) {
      filters.open = false;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
