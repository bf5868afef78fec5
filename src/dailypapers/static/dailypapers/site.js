// The site's own behaviour, from a file: the Content-Security-Policy (script-src 'self') blocks inline
// handlers (onchange=…) and javascript: URLs, so templates mark elements with data- attributes and
// this file wires them. Everything here is an enhancement: every page works without it.
(function () {
  "use strict";

  // <input data-autosubmit>: submit its form when the value changes (the date picker).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-autosubmit]") && input.form && input.value) {
      if (input.form.requestSubmit) input.form.requestSubmit(); else input.form.submit();
    }
  });

  // Search suggestions by keyboard: ArrowDown/ArrowUp move through the suggestions (and back to the
  // box), Escape closes them; Enter on a suggestion follows its link as links do.
  function suggestionLinks(form) {
    return Array.prototype.slice.call(form.querySelectorAll("#search-suggestions a"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Escape") return;
    var form = event.target.closest && event.target.closest("form.header-search");
    if (!form) return;
    var box = form.querySelector("#search-suggestions");
    var input = form.querySelector("input[name=q]");
    if (event.key === "Escape") {
      if (box && box.children.length) { box.innerHTML = ""; input.focus(); event.preventDefault(); }
      return;
    }
    var links = suggestionLinks(form);
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    var next = event.key === "ArrowDown" ? at + 1 : (at === -1 ? links.length - 1 : at - 1);
    event.preventDefault();
    if (next < 0 || next >= links.length) { input.focus(); } else { links[next].focus(); }
  });
  document.addEventListener("focusin", function (event) {
    var link = event.target;
    if (!link.closest || !link.closest("#search-suggestions")) return;
    var options = link.closest("#search-suggestions").querySelectorAll("[role=option]");
    Array.prototype.forEach.call(options, function (option) {
      option.setAttribute("aria-selected", option.contains(link) ? "true" : "false");
    });
  });
})();
