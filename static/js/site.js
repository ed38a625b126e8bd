// Every page: behaviour that the Content-Security-Policy keeps out of the templates.
(function () {
  "use strict";
  // Polled fragments marked data-poll-visible skip their request while the tab is hidden.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (document.hidden && source && source.hasAttribute("data-poll-visible")) {
      event.preventDefault();
    }
  });
})();
