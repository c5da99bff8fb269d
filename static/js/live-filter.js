/* Live filtering of a list page: progressive enhancement, no library.
 *
 * Without JavaScript the filter form submits (GET) and the server answers a new page.
 * With it, changing a filter (a select at once; the keywords 300 ms after the last key
 * or on Enter) fetches the very URL the form would GET, and the page takes from the
 * answer, in place:
 *   - the results (#results), replaced whole;
 *   - the result count (#result-count), a persistent role="status" region whose text
 *     alone changes, so that screen readers announce "N résultats";
 *   - each filter's choices and their counts ([data-live-field]): a select keeps its
 *     element (and the focus), only its options change; the keywords field is left
 *     alone while it has the focus (caret kept);
 *   - the texts marked [data-live-text] and the other-language links.
 * The address bar follows (pushState; successive keystrokes share one entry), and
 * back/forward show the matching results again (popstate). Links of the results and
 * of the form to this same list (pagination, "remove this filter", "Tout effacer") are
 * followed the same way. When a request for a changed filter fails, the results stay
 * as they were, the status says so, and the next submit of the form is an ordinary
 * one; a link or back/forward whose request fails is followed the ordinary way.
 *
 * Hooks (also used by the browser tests): form[data-live-filter], #results,
 * #result-count; the message on failure is the form's data-live-error (translated by
 * the template).
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-live-filter]");
  var results = document.getElementById("results");
  var status = document.getElementById("result-count");
  if (!form || !results || !status) return;
  if (!window.fetch || !window.DOMParser || !window.URLSearchParams || !window.URL) return;
  if (!window.history || !window.history.pushState) return;

  var TYPING_DELAY = 300; // ms after the last keystroke in the keywords field
  var timer = null; // pending keystroke update
  var inFlight = null; // {url, controller} of the request being answered
  var shownUrl = location.href; // the URL whose results are on the page
  var typingEntry = false; // whether the current history entry was made by typing
  var failed = false; // the last request failed: the next submit is an ordinary one

  history.replaceState({ liveFilter: true }, "", location.href);

  // Where the form would go: its action with its non-empty fields (no page: a new
  // filter starts at the first page).
  function formUrl() {
    var url = new URL(form.getAttribute("action") || location.pathname, location.href);
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && value.trim() !== "") params.append(name, value);
    });
    url.search = params.toString();
    url.hash = "";
    return url.href;
  }

  function sameUrl(a, b) {
    var x = new URL(a, location.href);
    var y = new URL(b, location.href);
    return x.origin === y.origin && x.pathname === y.pathname && x.search === y.search;
  }

  function collapse(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  // The count region keeps its element; a polite live region announces changes of its
  // text only, so an unchanged count (another order, other keywords with as many
  // results) gets a no-break space more or less at its end: announced again, unseen.
  function announce(text) {
    status.textContent = status.textContent === text ? text + "\u00a0" : text;
  }

  // A select keeps its element, its focus and its open state; its options follow the
  // new page's (labels with their counts, choices with no result gone).
  function syncSelect(select, fresh) {
    var options = fresh.options;
    for (var i = 0; i < options.length; i++) {
      var option = select.options[i];
      if (!option) {
        option = document.createElement("option");
        select.appendChild(option);
      }
      if (option.value !== options[i].value) option.value = options[i].value;
      if (option.textContent !== options[i].textContent) option.textContent = options[i].textContent;
      option.defaultSelected = options[i].defaultSelected;
    }
    while (select.options.length > options.length) select.remove(select.options.length - 1);
    select.value = fresh.value;
  }

  function syncField(wrapper, fresh, restoreText) {
    wrapper.className = fresh.className;
    var errors = wrapper.querySelector(".field-errors");
    var freshErrors = fresh.querySelector(".field-errors");
    if (errors && freshErrors) replaceChildren(errors, freshErrors);
    var control = wrapper.querySelector("select, input, textarea");
    var freshControl = fresh.querySelector("select, input, textarea");
    if (!control || !freshControl) return;
    if (control.tagName === "SELECT") {
      syncSelect(control, freshControl);
    } else if (restoreText || control !== document.activeElement) {
      if (control.value !== freshControl.value) control.value = freshControl.value;
    }
    var invalid = freshControl.getAttribute("aria-invalid");
    if (invalid === null) control.removeAttribute("aria-invalid");
    else control.setAttribute("aria-invalid", invalid);
  }

  function replaceChildren(target, source) {
    while (target.firstChild) target.removeChild(target.firstChild);
    for (var node = source.firstChild; node; node = node.nextSibling) {
      target.appendChild(document.importNode(node, true));
    }
  }

  function syncLinks(doc, selector) {
    var mine = document.querySelectorAll(selector);
    var theirs = doc.querySelectorAll(selector);
    if (mine.length !== theirs.length) return;
    for (var i = 0; i < mine.length; i++) mine[i].setAttribute("href", theirs[i].getAttribute("href"));
  }

  // The new page's pieces into this one. Returns false when the answer is not a list page.
  function update(doc, options) {
    var freshResults = doc.getElementById("results");
    var freshStatus = doc.getElementById("result-count");
    var freshForm = doc.querySelector("form[data-live-filter]");
    if (!freshResults || !freshStatus || !freshForm) return false;

    var focusWasInResults = results.contains(document.activeElement);
    replaceChildren(results, freshResults);
    status.classList.remove("is-error");
    announce(collapse(freshStatus.textContent));

    var wrappers = form.querySelectorAll("[data-live-field]");
    for (var i = 0; i < wrappers.length; i++) {
      var name = wrappers[i].getAttribute("data-live-field");
      var fresh = freshForm.querySelector('[data-live-field="' + name + '"]');
      if (fresh) syncField(wrappers[i], fresh, options.restoreText);
    }
    var texts = document.querySelectorAll("[data-live-text][id]");
    for (var j = 0; j < texts.length; j++) {
      var freshText = doc.getElementById(texts[j].id);
      if (freshText) texts[j].textContent = freshText.textContent;
    }
    syncLinks(doc, "a[hreflang]");
    syncLinks(doc, "link[hreflang]");
    syncLinks(doc, 'link[rel="canonical"]');
    if (doc.title) document.title = doc.title;

    // A followed link of the results is gone with them: the focus goes to their heading.
    if (focusWasInResults && !results.contains(document.activeElement)) {
      var heading = document.getElementById("results-title");
      if (heading) heading.focus();
    }
    return true;
  }

  function fail() {
    failed = true;
    status.classList.add("is-error");
    announce(collapse(form.getAttribute("data-live-error")));
  }

  // entry: "push" (a new history entry), "replace" (the same entry) or "none" (back or
  // forward: the address bar is already right). options.restoreText: also set the
  // keywords field; options.onError: what to do instead of saying that it failed.
  function load(url, entry, options) {
    options = options || {};
    if (inFlight && sameUrl(inFlight.url, url)) return;
    if (!inFlight && sameUrl(shownUrl, url) && entry !== "none") return;
    if (inFlight && inFlight.controller) inFlight.controller.abort();
    var request = {
      url: url,
      controller: window.AbortController ? new AbortController() : null,
    };
    inFlight = request;
    results.setAttribute("aria-busy", "true");
    fetch(url, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
      signal: request.controller ? request.controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (inFlight !== request) return; // a newer request took over
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!update(doc, options)) throw new Error("Not a list page");
        if (entry === "push") window.history.pushState({ liveFilter: true }, "", url);
        else if (entry === "replace") window.history.replaceState({ liveFilter: true }, "", url);
        shownUrl = url;
        failed = false;
      })
      .catch(function (error) {
        if (inFlight !== request || (error && error.name === "AbortError")) return;
        if (options.onError) options.onError();
        else fail();
      })
      .then(function () {
        if (inFlight === request) {
          inFlight = null;
          results.removeAttribute("aria-busy");
        }
      });
  }

  function isKeywords(element) {
    return element && element.tagName === "INPUT" && element.type !== "checkbox" && element.type !== "radio";
  }

  // A select (or any other choice) applies at once.
  form.addEventListener("change", function (event) {
    if (isKeywords(event.target)) return; // the input event has it
    window.clearTimeout(timer);
    typingEntry = false;
    load(formUrl(), "push");
  });

  // Keywords apply a moment after the last keystroke; the keystrokes of one search
  // share one history entry.
  form.addEventListener("input", function (event) {
    if (!isKeywords(event.target)) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var url = formUrl();
      if (sameUrl(url, shownUrl) && !inFlight) return;
      load(url, typingEntry ? "replace" : "push");
      typingEntry = true;
    }, TYPING_DELAY);
  });

  // Enter in a field, or the button: at once. After a failure, an ordinary submit.
  form.addEventListener("submit", function (event) {
    if (failed) return;
    event.preventDefault();
    window.clearTimeout(timer);
    load(formUrl(), typingEntry ? "replace" : "push");
    typingEntry = false;
  });

  // Links to this same list, in the results or the form: pagination, removing a
  // filter, "Tout effacer", "Voir toute la liste".
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || !(results.contains(link) || form.contains(link))) return;
    if (link.hasAttribute("download") || (link.target && link.target !== "_self")) return;
    var url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname !== location.pathname) return;
    if (url.hash && url.search === location.search) return; // an anchor of this page
    event.preventDefault();
    window.clearTimeout(timer);
    typingEntry = false;
    url.hash = "";
    if (!url.search) url.search = ""; // "?" alone: the bare list
    load(url.href, "push", {
      restoreText: true,
      onError: function () {
        window.location.assign(url.href); // the link, followed the ordinary way
      },
    });
  });

  // Back and forward: the results of the URL now in the address bar.
  window.addEventListener("popstate", function () {
    if (sameUrl(location.href, shownUrl) && !inFlight) return; // an anchor, not a list
    window.clearTimeout(timer);
    typingEntry = false;
    load(location.href, "none", {
      restoreText: true,
      onError: function () {
        window.location.reload(); // the page of the address bar, the ordinary way
      },
    });
  });
})();
