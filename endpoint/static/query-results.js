// How the query page shows answers: errors as one short sentence with the place marked in
// the editor, a chart of SELECT results with a numeric column (Chart.js), and links that
// open this server's pages for IRIs under the base IRI.
(function () {
  "use strict";
  var NUMERIC = /#(integer|decimal|double|float|int|long|short|byte|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger|unsignedInt|unsignedLong)$/;

  // --- errors ----------------------------------------------------------------------
  function shortMessage(body, queryText) {
    var details = (body && body.details) || {};
    var message = String((body && body.message) || "").replace(/^the query does not parse \([^)]*\): /, "");
    if (message.indexOf("Prefix not found") >= 0 && details.line) {
      var line = (queryText.split("\n")[details.line - 1] || "").slice(0, details.column - 1);
      var found = /([A-Za-z][\w.-]*)?:[\w.-]*$/.exec(line);
      var name = found ? found[1] || "" : "";
      return "Unknown prefix " + name + ": declare it with PREFIX " + name + ": <...> at the top of the query.";
    }
    var expected = /^expected one of (.*)$/.exec(message);
    if (expected) {
      var words = expected[1].split(", ").filter(function (w) { return /^[A-Za-z_]+$/.test(w) || /^'.{1,3}'$/.test(w); });
      return words.length
        ? "Unexpected text here; the query could go on with " + words.slice(0, 8).join(", ") + (words.length > 8 ? ", ..." : "") + "."
        : "Unexpected text here.";
    }
    return message.length > 240 ? message.slice(0, 240) + "..." : message;
  }

  function markError(yasqe, line, column) {
    if (!yasqe || !line) { return; }
    var index = line - 1;
    var text = yasqe.getDoc().getLine(index) || "";
    var ch = Math.max(0, Math.min((column || 1) - 1, text.length - 1));
    var start = ch;
    while (start > 0 && /[^\s{}().;,]/.test(text.charAt(start - 1))) { start -= 1; }
    var mark = yasqe.getDoc().markText({ line: index, ch: start }, { line: index, ch: Math.max(ch, start + 1) },
      { className: "query-error-mark", title: "the query stops making sense here" });
    yasqe.addLineClass(index, "background", "query-error-line");
    yasqe.scrollIntoView({ line: index, ch: ch });
    yasqe.on("change", function clear() {
      mark.clear();
      yasqe.removeLineClass(index, "background", "query-error-line");
      yasqe.off("change", clear);
    });
  }

  function errorRenderer(currentYasqe) {
    return function (error) {
      var body = null;
      try { body = JSON.parse(error.text); } catch (e) { return Promise.resolve(undefined); }
      if (!body || !body.message) { return Promise.resolve(undefined); }
      var yasqe = currentYasqe();
      var details = body.details || {};
      var box = document.createElement("div");
      box.className = "query-error";
      box.setAttribute("role", "alert");
      var p = document.createElement("p");
      if (details.line) {
        var where = document.createElement("span");
        where.className = "where";
        where.textContent = "Line " + details.line + ", column " + details.column + ": ";
        p.appendChild(where);
      }
      p.appendChild(document.createTextNode(shortMessage(body, yasqe ? yasqe.getValue() : "")));
      box.appendChild(p);
      var more = document.createElement("details");
      var summary = document.createElement("summary");
      summary.textContent = "The server's whole answer (" + (error.status || "") + " " + (body.error || "") + ")";
      var pre = document.createElement("pre");
      pre.textContent = body.message;
      more.appendChild(summary);
      more.appendChild(pre);
      box.appendChild(more);
      markError(yasqe, details.line, details.column);
      return Promise.resolve(box);
    };
  }

  // --- chart -----------------------------------------------------------------------
  function isNumeric(binding) {
    return binding && binding.type !== "uri" && binding.datatype && NUMERIC.test(binding.datatype);
  }

  function chartSpec(results) {
    if (!results || results.getError() || !results.getVariables) { return null; }
    var vars = results.getVariables() || [];
    var rows = (results.getBindings && results.getBindings()) || [];
    if (!rows.length) { return null; }
    var numeric = vars.filter(function (v) {
      var seen = rows.filter(function (row) { return row[v]; });
      return seen.length && seen.every(function (row) { return isNumeric(row[v]); });
    });
    if (!numeric.length) { return null; }
    var label = vars.filter(function (v) { return numeric.indexOf(v) < 0; })[0] || null;
    return { vars: vars, rows: rows, numeric: numeric, label: label };
  }

  function makeChartPlugin(prefixes) {
    function ChartPlugin(yasr) { this.yasr = yasr; }
    ChartPlugin.prototype.label = "Chart";
    ChartPlugin.prototype.priority = 5;
    ChartPlugin.prototype.canHandleResults = function () {
      return typeof window.Chart === "function" && !!chartSpec(this.yasr.results);
    };
    ChartPlugin.prototype.getIcon = function () {
      var icon = document.createElement("span");
      icon.textContent = "▮▮";
      return icon;
    };
    ChartPlugin.prototype.draw = function () {
      var spec = chartSpec(this.yasr.results);
      var box = document.createElement("div");
      box.className = "query-chart";
      var canvas = document.createElement("canvas");
      box.appendChild(canvas);
      this.yasr.resultsEl.appendChild(box);
      var show = function (b) {
        if (!b) { return ""; }
        return b.type === "uri" ? window.museumKgEditor.shorten(b.value, prefixes) || b.value : b.value;
      };
      var labels = spec.rows.map(function (row, i) { return spec.label ? show(row[spec.label]) : String(i + 1); });
      var integers = spec.numeric.every(function (v) {
        return spec.rows.every(function (row) { return !row[v] || /^-?\d+$/.test(row[v].value); });
      });
      var chart = new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: labels,
          datasets: spec.numeric.map(function (v) {
            return { label: v, data: spec.rows.map(function (row) { return row[v] ? Number(row[v].value) : null; }) };
          }),
        },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          scales: {
            x: { title: { display: true, text: spec.label || "row" } },
            y: { beginAtZero: true, title: { display: true, text: spec.numeric.join(", ") },
                 ticks: integers ? { precision: 0 } : {} },
          },
        },
      });
      canvas.setAttribute("data-rendered", String(chart.data.labels.length));
      canvas.setAttribute("aria-label", "bar chart of " + spec.numeric.join(", ") + " by " + (spec.label || "row"));
    };
    return ChartPlugin;
  }

  // --- links -----------------------------------------------------------------------
  // Result IRIs under the base IRI lead to this server's own pages (dead links otherwise
  // wherever the base IRI does not redirect here yet).
  function localLinks(root, baseIri) {
    function rewrite() {
      root.querySelectorAll("a[href^='" + baseIri + "']").forEach(function (a) {
        var iri = a.getAttribute("href");
        a.setAttribute("href", "/" + iri.slice(baseIri.length));
        a.setAttribute("title", iri);
        a.removeAttribute("target");
      });
    }
    new MutationObserver(rewrite).observe(root, { childList: true, subtree: true });
    rewrite();
  }

  window.museumKgResults = {
    errorRenderer: errorRenderer,
    makeChartPlugin: makeChartPlugin,
    localLinks: localLinks,
    shortMessage: shortMessage,
  };
})();
