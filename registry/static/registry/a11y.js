// Names for the controls Select2 draws (the admin's autocomplete fields, the country picker, the list filters):
// its combobox and its inline search box get the label of the <select> they stand for, so screen readers say what
// they are for (WCAG 4.1.2). Select2 draws them after this script runs and again when a form row is added, so
// every Select2 box that appears in the page is named as it appears.
(function () {
  "use strict";

  function labelOf(select) {
    if (!select.id) { return null; }
    return document.querySelector("label[for='" + select.id + "']");
  }

  function name(container) {
    var select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") { return; }
    var label = labelOf(select);
    var text = select.getAttribute("aria-label") || (label ? label.textContent.replace(/[:：]\s*$/, "").trim() : "");
    if (!text) { return; }
    if (label && !label.id) { label.id = select.id + "-label"; }
    // The combobox and the box showing the choice (a read-only textbox, empty until something is chosen).
    container.querySelectorAll(".select2-selection, .select2-selection__rendered[role=textbox]").forEach(function (box) {
      if (label) {
        box.setAttribute("aria-labelledby", label.id);
      } else {
        box.setAttribute("aria-label", text);
      }
    });
    container.querySelectorAll(".select2-search__field").forEach(function (field) {
      field.setAttribute("aria-label", text + "（入力して検索）");
    });
  }

  function visit(node) {
    if (node.nodeType !== 1) { return; }
    var container = node.closest ? node.closest("span.select2") : null;
    if (container) { name(container); }
    node.querySelectorAll("span.select2").forEach(name);
  }

  // Rows of a tabular inline (the admin's 更新 rows of a tie…) name their fields after their column's heading;
  // the admin's search icons of the two-list pickers are images with a name.
  function nameInlineFields() {
    document.querySelectorAll(".tabular table").forEach(function (table) {
      var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
            var heading = headings[index];
            if (heading && !field.getAttribute("aria-label") && !(field.labels && field.labels.length)) {
              field.setAttribute("aria-label", heading);
            }
          });
        });
      });
    });
    // The admin's date-and-time fields: two boxes under one label.
    document.querySelectorAll(".datetime input[id$='_0'], .datetime input[id$='_1']").forEach(function (field) {
      var row = field.closest(".form-row, .fieldBox");
      var label = document.querySelector("label[for='" + field.id.slice(0, -2) + "']") ||
        (row ? row.querySelector("label") : null);
      if (label && !(field.labels && field.labels.length) && !field.getAttribute("aria-label")) {
        var name = label.textContent.replace(/[:：]\s*$/, "").trim();
        field.setAttribute("aria-label", name + (field.id.slice(-1) === "0" ? "（日付）" : "（時刻）"));
      }
    });
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // A form sent back with errors says so at once: the admin's error note and the first list of field errors.
  document.addEventListener("DOMContentLoaded", function () {
    nameInlineFields();
    var note = document.querySelector(".errornote") || document.querySelector("ul.errorlist");
    if (note && !note.closest("[role=alert]")) { note.setAttribute("role", "alert"); }
  });

  // On a phone a wide admin page scrolls inside its content box (admin.css): while it does, the box can be
  // reached and scrolled with the keyboard, and says what it is.
  function markScrollingContent() {
    var content = document.getElementById("content");  // the admin's (staff and portal pages have none)
    if (!content) { return; }
    var scrolls = content.scrollWidth > content.clientWidth;
    if (scrolls && !content.hasAttribute("tabindex")) {
      content.setAttribute("tabindex", "0");
      content.setAttribute("role", "region");
      content.setAttribute("aria-label", "ページの内容（横に動かせます）");
    } else if (!scrolls && content.getAttribute("role") === "region") {
      content.removeAttribute("tabindex");
      content.removeAttribute("role");
      content.removeAttribute("aria-label");
    }
  }
  document.addEventListener("DOMContentLoaded", markScrollingContent);
  window.addEventListener("resize", markScrollingContent);

  document.addEventListener("formset:added", nameInlineFields);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(visit); });
    if (document.readyState !== "loading") { nameInlineFields(); }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
