// The change log: an action's entries are read when its line is opened, a page at a time, in place.
// Without script the line's link leads to the action's own page (?group=…); the fragment comes from
// data-entries-url (/history/action/<group>/), and its paging links load the next page into the same line.
(function () {
  "use strict";

  function load(body, url) {
    body.setAttribute("aria-busy", "true");
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        body.innerHTML = html;
        body.dataset.loaded = url;
      })
      .catch(function () {
        body.insertAdjacentHTML("afterbegin", "<p class=\"error\">読み込めませんでした。リンクから開いてください。</p>");
      })
      .finally(function () { body.removeAttribute("aria-busy"); });
  }

  function init() {
    document.querySelectorAll("details[data-entries-url]").forEach(function (details) {
      var body = details.querySelector(".action-body");
      details.addEventListener("toggle", function () {
        if (details.open && !body.dataset.loaded) { load(body, details.dataset.entriesUrl); }
      });
      body.addEventListener("click", function (event) {
        var link = event.target.closest("a[data-action-page]");
        if (!link) { return; }
        event.preventDefault();
        load(body, link.getAttribute("href")).then(function () {
          details.scrollIntoView({ block: "nearest" });
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
