// The table browser and the copy buttons. Data reach the page only through textContent, never as markup.
(function () {
  "use strict";
  var holder = document.getElementById("table-data");
  if (holder) { browser(JSON.parse(holder.textContent)); }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-copy")).textContent;
      var done = function () { status(button, "Copied"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(button); });
      } else { select(button); }
    });
  });

  function select(button) {
    var range = document.createRange();
    range.selectNodeContents(document.getElementById(button.getAttribute("data-copy")));
    var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    var ok = false; try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    status(button, ok ? "Copied" : "Selected: press Ctrl+C");
  }

  function status(button, text) {
    var out = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (out) { out.textContent = text; }
  }

  function browser(tables) {
    var pick = document.getElementById("tb-table"), search = document.getElementById("tb-search");
    var column = document.getElementById("tb-column"), count = document.getElementById("tb-count");
    var table = document.getElementById("tb"), controls = document.getElementById("tb-controls");
    var state = { name: null, sort: -1, dir: 1 };
    controls.hidden = false;
    tables.forEach(function (t) {
      var o = document.createElement("option"); o.value = t.name; o.textContent = t.name + " (" + t.total + ")"; pick.appendChild(o);
    });
    pick.addEventListener("change", function () { open(pick.value); });
    search.addEventListener("input", render);
    column.addEventListener("change", render);
    var wanted = (location.hash.match(/^#browse-(.+)$/) || [])[1];
    open(tables.some(function (t) { return t.name === wanted; }) ? wanted : tables[0].name);

    function current() { return tables.filter(function (t) { return t.name === state.name; })[0]; }

    function open(name) {
      state = { name: name, sort: -1, dir: 1 }; pick.value = name; search.value = "";
      var t = current();
      column.textContent = "";
      var any = document.createElement("option"); any.value = ""; any.textContent = "any column"; column.appendChild(any);
      t.fields.forEach(function (f, i) { var o = document.createElement("option"); o.value = String(i); o.textContent = f; column.appendChild(o); });
      render();
    }

    function render() {
      var t = current(), needle = search.value.trim().toLowerCase(), only = column.value === "" ? -1 : Number(column.value);
      var rows = t.rows.filter(function (r) {
        if (!needle) { return true; }
        return (only < 0 ? r : [r[only]]).some(function (v) { return v.toLowerCase().indexOf(needle) >= 0; });
      });
      if (state.sort >= 0) {
        var k = state.sort, numeric = t.numeric[k];
        rows = rows.slice().sort(function (a, b) {
          var x = a[k], y = b[k];
          var c = numeric && x !== "" && y !== "" ? Number(x) - Number(y) : x.localeCompare(y);
          return c * state.dir;
        });
      }
      table.textContent = "";
      var caption = document.createElement("caption"); caption.textContent = t.title + " (" + t.name + ")"; table.appendChild(caption);
      var head = table.createTHead().insertRow();
      t.fields.forEach(function (f, i) {
        var th = document.createElement("th"); th.scope = "col";
        th.setAttribute("aria-sort", state.sort === i ? (state.dir > 0 ? "ascending" : "descending") : "none");
        var b = document.createElement("button"); b.type = "button";
        b.textContent = f + (state.sort === i ? (state.dir > 0 ? " ▲" : " ▼") : "");
        b.addEventListener("click", function () { state.dir = state.sort === i ? -state.dir : 1; state.sort = i; render(); });
        th.appendChild(b); head.appendChild(th);
      });
      var body = table.createTBody();
      rows.forEach(function (r) {
        var tr = body.insertRow();
        r.forEach(function (v, i) { var td = tr.insertCell(); td.textContent = v; if (t.long[i]) { td.className = "long"; } });
      });
      count.textContent = rows.length + " of " + t.rows.length + " rows of " + t.name +
        (t.total > t.rows.length ? "; the page holds the first " + t.rows.length + " of its " + t.total +
          " rows; the downloads hold the other " + (t.total - t.rows.length) : "");
    }
  }
})();
