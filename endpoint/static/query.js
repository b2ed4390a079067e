// The query page: replace the plain form with YASGUI when it has loaded.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("museum-kg-query-config").textContent);
  if (typeof window.Yasgui !== "function") {
    return; // YASGUI not available (offline without local assets): keep the plain form
  }
  var holder = document.getElementById("yasgui");
  holder.hidden = false; // visible before the editor measures itself
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: config.query },
  });
  var yasqe = yasgui.getTab().getYasqe();
  yasqe.setValue(config.query);
  document.getElementById("plain-form").hidden = true;
  window.museumKgYasgui = yasgui;

  document.querySelectorAll("[data-example]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var example = config.examples[Number(link.dataset.example)];
      yasgui.getTab().getYasqe().setValue(example.query);
    });
  });
})();
