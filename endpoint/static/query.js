// The query page: replace the plain form with YASGUI when it has loaded, keeping what a
// share link carries, the tabs and a history of run queries in this browser.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("museum-kg-query-config").textContent);
  if (typeof window.Yasgui !== "function") {
    // the editor's script did not arrive: say why the page shows the plain form
    document.getElementById("editor-note").hidden = false;
    return;
  }
  var Yasgui = window.Yasgui;
  var HISTORY_KEY = "museum-kg-query-history";
  var HISTORY_SIZE = 30;
  // A share link (#query=...): YASGUI restores it and clears the fragment while starting.
  var shared = /(^#|&)query=/.test(window.location.hash);

  window.museumKgEditor.install(Yasgui.Yasqe, config);
  var yasgui = null;
  var currentYasqe = function () { return yasgui ? yasgui.getTab().getYasqe() : null; };
  var Yasr = Yasgui.Yasr;
  Yasr.defaults.errorRenderers = [window.museumKgResults.errorRenderer(currentYasqe)]
    .concat(Yasr.defaults.errorRenderers || []);
  Yasr.registerPlugin("chart", window.museumKgResults.makeChartPlugin(config.prefixes));

  var holder = document.getElementById("yasgui");
  holder.hidden = false; // visible before the editor measures itself
  var endpoint = new URL(config.endpoint, window.location.href).href;
  yasgui = new Yasgui(holder, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: "museum-kg-query",
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: config.query },
    yasr: { prefixes: config.prefixes },
  });
  if (!shared && config.explicit) {
    // /?query= or /?example=: the asked-for query, in the current tab
    yasgui.getTab().getYasqe().setValue(config.query);
  }
  document.getElementById("plain-form").hidden = true;
  window.museumKgYasgui = yasgui;
  window.museumKgResults.localLinks(holder, config.base_iri);

  document.querySelectorAll("[data-example]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var example = config.examples[Number(link.dataset.example)];
      yasgui.getTab().getYasqe().setValue(example.query);
    });
  });

  // --- history: the queries run here, newest first, in localStorage --------------------
  function readHistory() {
    try { return JSON.parse(window.localStorage.getItem(HISTORY_KEY)) || []; } catch (e) { return []; }
  }
  function writeHistory(items) {
    try { window.localStorage.setItem(HISTORY_KEY, JSON.stringify(items)); } catch (e) { /* full */ }
  }
  function drawHistory() {
    var items = readHistory();
    var list = document.getElementById("history-list");
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "restore";
      button.title = item.query;
      var body = item.query.replace(/^\s*PREFIX[^\n]*\n/gim, "").replace(/\s+/g, " ").trim();
      button.textContent = body.length > 110 ? body.slice(0, 110) + "..." : body;
      button.addEventListener("click", function () { yasgui.getTab().getYasqe().setValue(item.query); });
      var when = document.createElement("time");
      when.dateTime = item.at;
      when.textContent = new Date(item.at).toLocaleString();
      li.appendChild(button);
      li.appendChild(when);
      list.appendChild(li);
    });
    document.getElementById("history").hidden = items.length === 0;
  }
  yasgui.on("query", function (instance, tab) {
    var text = tab.getQuery();
    var items = readHistory().filter(function (item) { return item.query !== text; });
    items.unshift({ query: text, at: new Date().toISOString() });
    writeHistory(items.slice(0, HISTORY_SIZE));
    drawHistory();
  });
  document.getElementById("history-clear").addEventListener("click", function () {
    writeHistory([]);
    drawHistory();
  });
  drawHistory();
})();
