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
    container.querySelectorAll(".select2-selection").forEach(function (box) {
      var shown = box.querySelector(".select2-selection__rendered");
      if (label) {
        box.setAttribute("aria-labelledby", label.id + (shown && shown.id ? " " + shown.id : ""));
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

  // A form sent back with errors says so at once: the admin's error note and the first list of field errors.
  document.addEventListener("DOMContentLoaded", function () {
    var note = document.querySelector(".errornote") || document.querySelector("ul.errorlist");
    if (note && !note.closest("[role=alert]")) { note.setAttribute("role", "alert"); }
  });

  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(visit); });
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
