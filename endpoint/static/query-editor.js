// The query editor's completions, from this server only (no outside vocabulary service):
// prefixes from the page's own list (so `schema:` is https://schema.org/), classes and
// properties from the graph itself (/api/completions, cached per data version).
(function () {
  "use strict";
  var LIMIT = 50;

  function shorten(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (name) {
      var ns = prefixes[name];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length && (!best || ns.length > best[1].length)) {
        best = [name, ns];
      }
    });
    if (!best) { return null; }
    var local = iri.slice(best[1].length);
    return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(local) ? best[0] + ":" + local : null;
  }

  function install(Yasqe, config) {
    var terms = null; // a promise of {classes, properties}, fetched once per page
    function load() {
      if (!terms) {
        terms = fetch(config.completions, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { classes: [], properties: [] }; })
          .catch(function () { return { classes: [], properties: [] }; });
      }
      return terms;
    }
    var byIri = {};

    // the prefixes the query declares, then the page's own
    function knownPrefixes(yasqe) {
      return Object.assign({}, config.prefixes, yasqe.getPrefixesFromQuery());
    }

    function matcher(yasqe, token) {
      var typed = (token.string || "").trim().replace(/^</, "").replace(/>$/, "");
      var full = token.autocompletionString || typed;
      var colon = typed.indexOf(":");
      if (colon > 0 && full === typed) { // a prefix the query does not declare (yet)
        var ns = config.prefixes[typed.slice(0, colon)];
        if (ns) { full = ns + typed.slice(colon + 1); }
      }
      var word = (colon >= 0 ? typed.slice(colon + 1) : typed).toLowerCase();
      return function (term) {
        if (full && term.iri.indexOf(full) === 0) { return true; }
        if (!word || colon > 0) { return false; }
        var local = term.iri.split(/[#/]/).pop().toLowerCase();
        return local.indexOf(word) === 0 || (term.label || "").toLowerCase().indexOf(word) === 0;
      };
    }

    function completer(base, kind) {
      return Object.assign({}, base, {
        bulk: false,
        autoShow: true,
        persistenceId: null,
        get: function (yasqe, token) {
          return load().then(function (data) {
            var wanted = matcher(yasqe, token || { string: "" });
            return data[kind].filter(wanted).slice(0, LIMIT).map(function (term) {
              byIri[term.iri] = term;
              return term.iri;
            });
          });
        },
        postProcessSuggestion: function (yasqe, token, iri) {
          return shorten(iri, knownPrefixes(yasqe)) || "<" + iri + ">";
        },
        postprocessHints: function (yasqe, hints) {
          return hints.map(function (hint) {
            var found = null;
            Object.keys(byIri).forEach(function (iri) {
              if (hint.text === shorten(iri, knownPrefixes(yasqe)) || hint.text === "<" + iri + ">") {
                found = byIri[iri];
              }
            });
            if (found) {
              var about = [found.label, found.count ? found.count + " uses" : ""].filter(Boolean);
              hint.displayText = hint.text + (about.length ? "  · " + about.join(", ") : "");
            }
            return hint;
          });
        },
      });
    }

    var prefixList = Object.keys(config.prefixes).sort().map(function (name) {
      return name + ": <" + config.prefixes[name] + ">";
    });
    var completers = Yasqe.Autocompleters;
    completers.prefixes = Object.assign({}, completers.prefixes, { get: prefixList, persistenceId: null });
    completers["class"] = completer(completers["class"], "classes");
    completers.property = completer(completers.property, "properties");
  }

  window.museumKgEditor = { install: install, shorten: shorten };
})();
