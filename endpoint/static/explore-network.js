// Draws the network of partnerships (Cytoscape.js) from the JSON embedded in the page.
(function () {
  "use strict";
  var holder = document.getElementById("network");
  var data = JSON.parse(document.getElementById("network-data").textContent);
  if (typeof window.cytoscape !== "function") {
    document.getElementById("network-note").hidden = false;
    return;
  }
  holder.hidden = false;
  var elements = data.nodes.map(function (n) { return { data: n, classes: n.kind }; })
    .concat(data.edges.map(function (e) { return { data: e }; }));
  var cy = window.cytoscape({
    container: holder,
    elements: elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        label: "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 140,
        "text-valign": "bottom", "text-margin-y": 4, width: 22, height: 22,
        "background-color": "#8a3b12", color: "#1d2327" } },
      { selector: "node.country", style: { shape: "round-rectangle", "background-color": "#3b6e8a" } },
      { selector: "edge", style: {
        width: 2, "line-color": "#c9b8ad", "curve-style": "bezier", label: "data(label)",
        "font-size": 8, color: "#5f6b73", "text-rotation": "autorotate", "text-opacity": 0.85 } },
      { selector: ":selected", style: { "background-color": "#e0b000", "line-color": "#e0b000" } },
    ],
    layout: { name: "cose", animate: false, randomize: true, nodeRepulsion: function () { return 400000; },
              idealEdgeLength: function () { return 160; }, gravity: 0.2, numIter: 2500, padding: 30 },
  });
  cy.on("tap", "node, edge", function (event) {
    var href = event.target.data("href");
    if (href) { window.location.href = href; }
  });
  holder.setAttribute("data-nodes", String(cy.nodes().length));
  holder.setAttribute("data-edges", String(cy.edges().length));
  window.museumKgNetwork = cy;
})();
