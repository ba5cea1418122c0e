// Swagger UI draws each operation's heading as a button holding a link to the same operation; a link inside a
// button is read by no screen reader (WCAG 4.1.2): the link's text stays, the link goes (the button opens it).
(function () {
  "use strict";
  function unwrap(root) {
    root.querySelectorAll(".opblock-summary-control a").forEach(function (link) {
      var text = document.createElement("span");
      text.className = link.className;
      while (link.firstChild) { text.appendChild(link.firstChild); }
      link.replaceWith(text);
    });
  }
  new MutationObserver(function () { unwrap(document); })
    .observe(document.documentElement, {childList: true, subtree: true});
})();
