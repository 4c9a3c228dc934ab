/*
 * Suanbei (算备) — small page behaviour. Loaded after htmx and Bootstrap.
 *
 * CSRF: base.html already sends the token on every htmx request through
 * hx-headers on <body>. The listener below is only a fallback for requests
 * issued from content that lives outside <body>'s inheritance (or after the
 * token rotated): it fills X-CSRFToken from the `csrftoken` cookie, or from
 * <meta name="csrf-token">, when the header is missing.
 *
 * Later additions belong here too (e.g. character counters for the filing
 * form's length-limited fields). Keep it dependency-free and small.
 */
(function () {
  "use strict";

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim();
      if (part.indexOf(name + "=") === 0) {
        return decodeURIComponent(part.substring(name.length + 1));
      }
    }
    return null;
  }

  function csrfToken() {
    var fromCookie = readCookie("csrftoken");
    if (fromCookie) {
      return fromCookie;
    }
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var headers = event.detail.headers;
    if (!headers["X-CSRFToken"]) {
      var token = csrfToken();
      if (token) {
        headers["X-CSRFToken"] = token;
      }
    }
  });
})();

/*
 * Confirmations: a form with data-confirm="question" is sent only once the
 * user agrees. It replaces inline onsubmit="return confirm(…)" handlers,
 * which the Content-Security-Policy refuses to run. It listens in the
 * capture phase, so a refused submission reaches no other listener.
 */
(function () {
  "use strict";

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();

/*
 * Character counters: a `.sb-counter[data-counter-for=ID][data-limit=N]`
 * shows "n / N" for the field with that id, and turns red past the limit.
 * Characters are counted as the CAC counts them: one per Chinese character.
 */
(function () {
  "use strict";

  function update(counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!field) {
      return;
    }
    var limit = parseInt(counter.getAttribute("data-limit"), 10);
    var length = Array.from(field.value || "").length;
    counter.textContent = length + " / " + limit;
    counter.classList.toggle("text-danger", length > limit);
  }

  function bind(root) {
    root.querySelectorAll(".sb-counter[data-counter-for]").forEach(function (counter) {
      var field = document.getElementById(counter.getAttribute("data-counter-for"));
      if (!field || field.dataset.counterBound) {
        update(counter);
        return;
      }
      field.dataset.counterBound = "1";
      field.addEventListener("input", function () {
        update(counter);
      });
      update(counter);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bind(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    bind(event.target);
  });
})();

/*
 * Copy buttons: `[data-copy-target=ID]` copies the text of that element to
 * the clipboard (with a fallback for pages served without HTTPS).
 */
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy");
    } finally {
      document.body.removeChild(area);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    var text = source.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || "✓";
      setTimeout(function () {
        button.textContent = label;
      }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        fallbackCopy(text);
        done();
      });
    } else {
      fallbackCopy(text);
      done();
    }
  });
})();

/*
 * Edit conflicts. A save from a stale form is merged field by field on the
 * server (filings/conflicts.py): only a field both people changed is a
 * conflict, shown at the top of the panel (_conflict.html) and beside the
 * field (_field_conflict.html). The form's _base holds, per field, the value
 * the user's edit started from; each button decides a field by changing it:
 *
 * - Keep mine: the base takes theirs, so the field counts as changed by this
 *   user alone, and is saved at once.
 * - Use theirs: the field shows theirs (the base too), saved at once: nothing
 *   of that field is written.
 * - Merge: the field shows theirs, the user's own version stays beside it to
 *   merge by hand; autosave saves the merged text as it is typed.
 *
 * "Save my version" and "Use theirs for all" do the same for every
 * conflicting field of the panel. The helpers are shared with autosave below
 * (window.Suanbei), which also puts into the form the values that only the
 * other person changed (data-refresh on the base that each save sends back).
 */
(function () {
  "use strict";

  var ns = (window.Suanbei = window.Suanbei || {});

  function named(form, name) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name === name;
    });
  }

  /* The field's values as the browser posts them (FormData's order). */
  ns.valuesOf = function (form, name) {
    var values = [];
    named(form, name).forEach(function (field) {
      if (field.disabled) {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) {
          values.push(field.value);
        }
      } else if (field.multiple && field.options) {
        Array.prototype.forEach.call(field.options, function (option) {
          if (option.selected) {
            values.push(option.value);
          }
        });
      } else {
        values.push(field.value);
      }
    });
    return values;
  };

  ns.setValues = function (form, name, values) {
    named(form, name).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.multiple && field.options) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = values.indexOf(option.value) !== -1;
        });
      } else {
        field.value = values.length ? values[0] : "";
      }
      // Counters listen on the field itself; a non-bubbling event never reaches autosave.
      field.dispatchEvent(new Event("input", { bubbles: false }));
    });
  };

  /* A decision about a field's base lasts until a save that carried it is
     answered: an answer to an earlier request (its base swapped in) must not
     undo it, so it is applied again to every base until then. */
  ns.patchBase = function (form, key, value) {
    form._sbPatches = form._sbPatches || {};
    form._sbPatches[key] = value;
    ns.applyPatches(form);
  };

  ns.applyPatches = function (form) {
    var input = form.querySelector("input[name=_base]");
    var patches = form._sbPatches || {};
    var keys = Object.keys(patches);
    if (!input || !keys.length) {
      return input ? input.value : "";
    }
    var values;
    try {
      values = JSON.parse(input.value);
    } catch (e) {
      values = null;
    }
    if (!values || typeof values !== "object" || Array.isArray(values)) {
      values = {};
    }
    keys.forEach(function (key) {
      values[key] = patches[key];
    });
    input.value = JSON.stringify(values);
    return input.value;
  };

  /* Called when a save is sent: the decisions it carries. */
  ns.patchesSent = function (form) {
    return JSON.parse(JSON.stringify(form._sbPatches || {}));
  };

  /* Called when that save is answered: its decisions are the server's now. */
  ns.patchesDone = function (form, sent) {
    var patches = form._sbPatches || {};
    Object.keys(sent || {}).forEach(function (key) {
      if (JSON.stringify(patches[key]) === JSON.stringify(sent[key])) {
        delete patches[key];
      }
    });
    ns.applyPatches(form);
  };

  function parse(text, fallback) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return fallback;
    }
  }

  function decide(box, action) {
    var form = box.closest("form");
    var name = box.getAttribute("data-html-name");
    ns.patchBase(
      form,
      box.getAttribute("data-conflict-field"),
      parse(box.getAttribute("data-theirs-base"), null)
    );
    if (action !== "mine") {
      ns.setValues(form, name, parse(box.getAttribute("data-theirs-values"), []));
    }
    var slot = box.parentElement;
    if (action === "merge") {
      var reference = box.querySelector("[data-merge-ref]");
      if (reference && slot && slot.parentNode) {
        reference.hidden = false;
        reference.setAttribute("data-merge-open", "");
        slot.parentNode.insertBefore(reference, slot.nextSibling);
      }
    }
    box.remove();
  }

  function settle(form, save) {
    if (!form.querySelector(".sb-field-conflict")) {
      var notice = form.querySelector(".sb-conflict");
      if (notice) {
        notice.remove();
      }
      form.setAttribute("data-save-state", "dirty");
    } else if (save) {
      form.setAttribute("data-save-state", "dirty");
    }
    if (!save) {
      return;
    }
    if (window.htmx && form.hasAttribute("hx-post")) {
      window.htmx.trigger(form, "change");
    } else {
      form.requestSubmit();
    }
  }

  document.addEventListener("click", function (event) {
    var done = event.target.closest("[data-merge-done]");
    if (done) {
      var reference = done.closest("[data-merge-ref]");
      if (reference) {
        reference.remove();
      }
      return;
    }
    var button = event.target.closest("[data-conflict-action]");
    if (!button) {
      return;
    }
    var form = button.closest("form");
    if (!form) {
      return;
    }
    var action = button.getAttribute("data-conflict-action");
    if (action === "mine-all" || action === "theirs-all") {
      form.querySelectorAll(".sb-field-conflict").forEach(function (box) {
        decide(box, action === "mine-all" ? "mine" : "theirs");
      });
      settle(form, true);
      return;
    }
    var box = button.closest(".sb-field-conflict");
    if (!box) {
      return;
    }
    var field = form.querySelector('[name="' + box.getAttribute("data-html-name") + '"]');
    decide(box, action);
    settle(form, action !== "merge");
    if (action === "merge" && field) {
      field.focus();
    }
  });
})();

/*
 * Autosave: every `form[data-panel][hx-post]` (the wizard's panels, the
 * self-assessment's answers, dates, quantities, risks and conclusion) is
 * posted by htmx 700 ms after the last keystroke. This part makes sure that
 * nothing typed is lost around that delay:
 *
 * - The form carries its state in `data-save-state`: dirty (typed, not sent
 *   yet), saving, saved, error (the request failed: the text stays in the
 *   field and is sent again with the next change or when back online),
 *   retrying (the server was busy, 503: the input stays and is sent again
 *   after its Retry-After) and conflict (someone else saved the same field;
 *   the server refused).
 * - Pending input is sent at once when the page is hidden (tab switch,
 *   app switch) or left (beforeunload, pagehide), by a keepalive fetch that
 *   survives the page; the CSRF token travels in the form data
 *   (csrfmiddlewaretoken) and in the X-CSRFToken header.
 * - Leaving a page whose input could not be saved (error, conflict, or
 *   offline with pending input) asks the user first.
 * - What was sent on leaving is also kept in sessionStorage, so that a page
 *   loaded before that request reached the server (a quick reload) sends it
 *   again instead of showing the older text.
 *
 * Labels come from the data-* attributes of this script's <script> tag
 * (translated by the server).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var labels = {
    saving: (script && script.getAttribute("data-label-saving")) || "Saving…",
    error: (script && script.getAttribute("data-label-error")) || "Not saved.",
    leave: (script && script.getAttribute("data-label-leave")) || "Leave?",
    retrying: (script && script.getAttribute("data-label-retrying")) || "Busy: saving again soon…",
  };
  var DRAFT = "suanbei-draft:";
  var DRAFT_LIFE = 5 * 60 * 1000; // a draft older than this is not restored
  var FLUSHING = {}; // prefix -> true while a flush request is in flight

  function autosaved(form) {
    return form && form.matches && form.matches("form[data-panel][hx-post]");
  }

  function forms() {
    return Array.prototype.slice.call(document.querySelectorAll("form[data-panel][hx-post]"));
  }

  /* The form's input as [name, value] pairs: what the user typed, not the bookkeeping. */
  function pairs(form) {
    var result = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "_base" && name !== "csrfmiddlewaretoken") {
        result.push([name, value]);
      }
    });
    return result;
  }

  function fingerprint(form) {
    return JSON.stringify(pairs(form));
  }

  function base(form) {
    var input = form.querySelector("input[name=_base]");
    return input ? input.value : "";
  }

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    var meta = document.querySelector('meta[name="csrf-token"]');
    return input ? input.value : meta ? meta.getAttribute("content") : "";
  }

  function setState(form, state, text) {
    form.setAttribute("data-save-state", state);
    if (text === undefined) {
      return;
    }
    var status = document.getElementById("status-" + form.getAttribute("data-panel"));
    if (status) {
      status.textContent = text;
      status.classList.toggle("text-danger", state === "error");
      status.classList.toggle("text-success", false);
      status.classList.toggle("text-muted", state !== "error");
    }
  }

  function failed(form) {
    var state = form.getAttribute("data-save-state");
    return state === "error" || state === "conflict" || state === "confirm" || state === "retrying";
  }

  function unsent(form, final) {
    var state = form.getAttribute("data-save-state");
    // On leaving, a request still in flight may be cut off: send it again
    // (the server takes the same values twice without a conflict).
    return (
      state === "dirty" || state === "error" || state === "retrying" || (final && state === "saving")
    );
  }

  /* The server was busy (503, config/database_busy.py): nothing was stored.
     The input stays; it is sent again after the seconds of Retry-After (a
     little more, at random, so that the pages refused together do not all come
     back at once), unless a newer change has been sent meanwhile. */
  function retryDelay(header) {
    var seconds = parseInt(header || "", 10);
    if (!(seconds >= 0)) {
      var date = Date.parse(header || "");
      seconds = isNaN(date) ? 2 : Math.ceil((date - Date.now()) / 1000);
    }
    return Math.min(Math.max(seconds, 1), 60) * 1000 + Math.random() * 500;
  }

  function retryLater(form, header) {
    setState(form, "retrying", labels.retrying);
    window.clearTimeout(form._sbRetry);
    form._sbRetry = window.setTimeout(function () {
      form._sbRetry = null;
      if (form.getAttribute("data-save-state") === "retrying" && window.htmx) {
        window.htmx.trigger(form, "change");
      }
    }, retryDelay(header));
  }

  /* Fields only the other person changed: the save's answer carries their
     values (data-refresh on the new base). A field typed over since the
     request left keeps what was typed, and its base goes back to the value
     that edit started from, so that the next save compares it fairly. */
  function refresh(form, sent) {
    var input = form.querySelector("input[name=_base]");
    var raw = input ? input.getAttribute("data-refresh") : null;
    if (!raw) {
      return sent;
    }
    input.removeAttribute("data-refresh");
    var wanted, sentPairs;
    try {
      wanted = JSON.parse(raw);
      sentPairs = JSON.parse(sent || "[]");
    } catch (e) {
      return sent;
    }
    var names = Object.keys(wanted || {});
    if (!names.length || !window.Suanbei) {
      return sent;
    }
    var unchanged = fingerprint(form) === sent;
    var prefix = form.getAttribute("data-panel") + "-";
    names.forEach(function (name) {
      var before = sentPairs
        .filter(function (pair) {
          return pair[0] === name;
        })
        .map(function (pair) {
          return pair[1];
        });
      if (JSON.stringify(before) === JSON.stringify(window.Suanbei.valuesOf(form, name))) {
        window.Suanbei.setValues(form, name, wanted[name]);
        return;
      }
      var old = null;
      try {
        old = JSON.parse(form._sbSentBase || "null");
      } catch (e) {
        old = null;
      }
      var key = name.slice(prefix.length);
      if (old && typeof old === "object" && Object.prototype.hasOwnProperty.call(old, key)) {
        window.Suanbei.patchBase(form, key, old[key]);
      }
    });
    return unchanged ? fingerprint(form) : sent;
  }

  function saved(form, sent, keepDraft) {
    if (window.Suanbei) {
      window.Suanbei.patchesDone(form, form._sbPatchesSent);
      form._sbPatchesSent = null;
    }
    sent = refresh(form, sent);
    form._sbSaved = sent;
    if (!keepDraft) {
      // A draft written on leaving stays for the next page to judge: that page
      // may have been rendered before this save reached the server.
      forgetDraft(form);
    }
    if (form.querySelector(".sb-reach")) {
      // Not saved: a change to the shared entity waits for the user's
      // confirmation (filings/reach_views.py); the input stays in the form.
      form._sbSaved = null;
      setState(form, "confirm");
      return;
    }
    var notice = form.querySelector(".sb-conflict");
    if (notice) {
      // Shown at the top of the panel and brought into view once per new set
      // of conflicting fields (not again with each autosave while it stays).
      var key = Array.prototype.map
        .call(notice.querySelectorAll("[data-conflict-link]"), function (item) {
          return item.getAttribute("data-conflict-link");
        })
        .join(" ");
      if (key !== form._sbConflictKey) {
        notice.scrollIntoView({ block: "center" });
      }
      form._sbConflictKey = key;
      setState(form, "conflict");
    } else {
      form._sbConflictKey = null;
      setState(form, fingerprint(form) === sent ? "saved" : "dirty");
    }
  }

  /* --- drafts kept across a reload ---------------------------------------- */

  function keepDraft(form) {
    try {
      window.sessionStorage.setItem(
        DRAFT + form.getAttribute("data-panel"),
        JSON.stringify({ base: base(form), pairs: pairs(form), at: Date.now() })
      );
    } catch (e) {
      /* storage full or disabled: the request itself still goes out */
    }
  }

  function forgetDraft(form) {
    try {
      window.sessionStorage.removeItem(DRAFT + form.getAttribute("data-panel"));
    } catch (e) {
      /* nothing to forget */
    }
  }

  function apply(form, values) {
    var byName = {};
    values.forEach(function (pair) {
      (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]);
    });
    Array.prototype.forEach.call(form.elements, function (field) {
      var name = field.name;
      if (!name || name.charAt(0) === "_" || name === "csrfmiddlewaretoken" || field.type === "file") {
        return;
      }
      var wanted = byName[name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = wanted.indexOf(field.value) !== -1;
      } else if (field.multiple && field.options) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = wanted.indexOf(option.value) !== -1;
        });
      } else if (wanted.length) {
        field.value = wanted[0];
      }
    });
  }

  /* A page rendered before the last page's final requests reached the server
     still shows the older values (same base): put the draft back and save it. */
  function restoreDrafts() {
    forms().forEach(function (form) {
      var raw = null;
      try {
        raw = window.sessionStorage.getItem(DRAFT + form.getAttribute("data-panel"));
      } catch (e) {
        return;
      }
      if (!raw) {
        return;
      }
      var draft;
      try {
        draft = JSON.parse(raw);
      } catch (e) {
        forgetDraft(form);
        return;
      }
      if (
        draft.base !== base(form) ||
        !(Date.now() - draft.at < DRAFT_LIFE) ||
        JSON.stringify(draft.pairs) === fingerprint(form)
      ) {
        forgetDraft(form); // the server has it (or has moved on): the page is current
        return;
      }
      apply(form, draft.pairs);
      setState(form, "dirty");
      if (window.htmx) {
        window.htmx.trigger(form, "change");
      }
    });
  }

  /* --- sending pending input now ------------------------------------------ */

  function send(form, final) {
    var prefix = form.getAttribute("data-panel");
    var url = form.getAttribute("hx-post");
    if (window.Suanbei) {
      window.Suanbei.applyPatches(form);
      form._sbPatchesSent = window.Suanbei.patchesSent(form);
    }
    var sent = fingerprint(form);
    var options = {
      method: "POST",
      body: new FormData(form),
      headers: { "HX-Request": "true", "X-CSRFToken": csrf(form) },
      credentials: "same-origin",
      keepalive: true,
    };
    form._sbFlushed = sent;
    form._sbSentBase = base(form);
    if (final) {
      keepDraft(form);
    }
    FLUSHING[prefix] = true;
    setState(form, "saving", labels.saving);
    var request;
    try {
      request = window.fetch(url, options);
    } catch (e) {
      request = Promise.reject(e);
    }
    request
      .catch(function () {
        // A keepalive body is limited to 64 kB: without keepalive while the page lives.
        options.keepalive = false;
        options.body = new FormData(form);
        return window.fetch(url, options);
      })
      .then(function (response) {
        if (!response.ok) {
          var error = new Error(String(response.status));
          if (response.status === 503) {
            error.retryAfter = response.headers.get("Retry-After") || "";
          }
          throw error;
        }
        return response.text();
      })
      .then(
        function (text) {
          if (window.htmx && window.htmx.swap) {
            window.htmx.swap(form, text, { swapStyle: "none" });
          }
          saved(form, sent, final);
          document.body.dispatchEvent(new CustomEvent("suanbei:saved", { bubbles: true }));
        },
        function (error) {
          form._sbFlushed = null;
          if (error && error.retryAfter !== undefined) {
            retryLater(form, error.retryAfter);
          } else {
            setState(form, "error", labels.error);
          }
        }
      )
      .then(function () {
        delete FLUSHING[prefix];
        var queued = form._sbQueued;
        form._sbQueued = null;
        if (queued && fingerprint(form) !== form._sbSaved) {
          queued(true);
        }
      });
  }

  function flush(final) {
    forms().forEach(function (form) {
      if (!unsent(form, final) || FLUSHING[form.getAttribute("data-panel")]) {
        return;
      }
      if (form._sbFlushed === fingerprint(form)) {
        return; // this very input is already on its way
      }
      send(form, final);
    });
  }

  /* --- the htmx requests --------------------------------------------------- */

  function typed(event) {
    var form = event.target && event.target.form;
    if (!autosaved(form) || event.target.name === "_base") {
      return;
    }
    var state = form.getAttribute("data-save-state");
    if (state === "conflict" || state === "saving") {
      return; // a conflict stays until saved; a save in flight reports what follows
    }
    if (fingerprint(form) !== form._sbSaved || state === "error") {
      setState(form, "dirty");
    } else if (state === "dirty") {
      setState(form, "saved"); // typed back to what is stored
    }
  }

  document.addEventListener("input", typed);
  document.addEventListener("change", typed);

  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!autosaved(form)) {
      return;
    }
    if (FLUSHING[form.getAttribute("data-panel")]) {
      // A flush is on its way: send this after it, with the base it brings back.
      event.preventDefault();
      form._sbQueued = event.detail.issueRequest;
      return;
    }
    if (form.getAttribute("data-save-state") === "saved" && fingerprint(form) === form._sbSaved) {
      event.preventDefault(); // nothing new since the last save
    }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.target;
    if (!autosaved(form) || !window.Suanbei) {
      return;
    }
    var patched = window.Suanbei.applyPatches(form);
    if (patched && event.detail.parameters && form._sbPatches && Object.keys(form._sbPatches).length) {
      event.detail.parameters["_base"] = patched;
    }
    form._sbPatchesSent = window.Suanbei.patchesSent(form);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target;
    if (autosaved(form)) {
      form._sbSending = fingerprint(form);
      form._sbSentBase = base(form);
      setState(form, "saving", labels.saving);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (autosaved(form) && event.detail.successful) {
      saved(form, form._sbSending);
    }
  });

  ["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = event.target;
      if (!autosaved(form)) {
        return;
      }
      var xhr = event.detail && event.detail.xhr;
      if (name === "htmx:responseError" && xhr && xhr.status === 503) {
        retryLater(form, xhr.getResponseHeader("Retry-After"));
      } else {
        setState(form, "error", labels.error);
      }
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (autosaved(form)) {
      form._sbFlushed = fingerprint(form); // the plain POST carries it
    }
  });

  document.addEventListener("click", function (event) {
    var discard = event.target.closest("[data-discard-mine]");
    if (discard) {
      var form = discard.closest("form");
      if (autosaved(form)) {
        form._sbSaved = fingerprint(form);
        forgetDraft(form);
        form.querySelectorAll("[data-merge-open]").forEach(function (reference) {
          reference.remove();
        });
        setState(form, "saved");
      }
    }
  });

  /* --- leaving ------------------------------------------------------------- */

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush(false);
    }
  });

  window.addEventListener("pagehide", function () {
    flush(true);
  });

  window.addEventListener("beforeunload", function (event) {
    var risky = forms().some(function (form) {
      return (
        failed(form) ||
        (!navigator.onLine && unsent(form, true)) ||
        !!form.querySelector("[data-merge-open]") // the user's version beside a merge
      );
    });
    flush(true); // a failed save is tried once more, but the user is asked all the same
    if (risky) {
      event.preventDefault();
      event.returnValue = labels.leave;
      return labels.leave;
    }
    return undefined;
  });

  window.addEventListener("online", function () {
    forms().forEach(function (form) {
      if (form.getAttribute("data-save-state") === "error" && window.htmx) {
        window.htmx.trigger(form, "change");
      }
    });
  });

  function start() {
    forms().forEach(function (form) {
      form._sbSaved = fingerprint(form);
      setState(form, "clean");
    });
    restoreDrafts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      window.setTimeout(start, 0); // after htmx has processed the page
    });
  } else {
    window.setTimeout(start, 0);
  }
})();

/*
 * Comment threads beside fields (reviews/_open_thread.html): a link to
 * #thread-N opens the marker (<details>) that holds the thread and scrolls
 * to it; CSS highlights the thread and its field (:target). Typing a reply
 * inside a wizard panel never counts as editing the panel: its input and
 * change events stop before the panel's autosave hears them.
 */
(function () {
  "use strict";

  function reveal() {
    var id = window.location.hash.slice(1);
    if (id.indexOf("thread-") !== 0) {
      return;
    }
    var thread = document.getElementById(id);
    if (!thread) {
      return;
    }
    for (var node = thread.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
    thread.scrollIntoView({ block: "center" });
  }

  function quiet(event) {
    if (event.target && event.target.closest && event.target.closest(".sb-thread")) {
      event.stopPropagation();
    }
  }

  document.addEventListener("input", quiet, true);
  document.addEventListener("change", quiet, true);
  window.addEventListener("hashchange", reveal);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
})();

/*
 * The reach of a change to the shared entity (filings/reach_views.py): the
 * autosave answered with the other algorithms it reaches instead of saving
 * (data-save-state="confirm"). "Confirm and save" posts the same form once
 * more with the reach's token; the answer then is an ordinary save.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm-reach]");
    if (!button || !button.form || !window.htmx) {
      return; // without htmx the button submits the form with the token
    }
    event.preventDefault();
    var form = button.form;
    // The token goes straight into the form, not beside the button: a save
    // answered meanwhile (the click's own blur sends one) swaps the notice
    // out, and the token with it.
    var input = form.querySelector("input[data-reach-token]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.setAttribute("data-reach-token", "");
      form.appendChild(input);
    }
    input.name = button.name;
    input.value = button.value;
    button.disabled = true;
    window.htmx.trigger(form, "change");
  });

  // A token confirms one reach: once a save carrying it is answered, it goes.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    var params = event.detail.requestConfig && event.detail.requestConfig.parameters;
    if (!form || !form.querySelector || !params || !params._reach) {
      return;
    }
    var input = form.querySelector("input[data-reach-token]");
    if (input && input.value === params._reach) {
      input.remove();
    }
  });
})();

/*
 * Fields the portal asks only for some answers (填报角色 only for generation
 * and synthesis): a widget with data-shown-when-field="type" and
 * data-shown-when-value="generation_synthesis" is shown while the named field
 * of the same form has that value, or while it holds a value other than its
 * data-shown-default (so a wrong answer stays visible to be corrected).
 */
(function () {
  "use strict";

  function update(widget) {
    var form = widget.form;
    var wrapper = widget.closest("[data-field]");
    if (!form || !wrapper) {
      return;
    }
    var other = form.querySelector(
      '[data-field="' + widget.getAttribute("data-shown-when-field") + '"] select, ' +
        '[data-field="' + widget.getAttribute("data-shown-when-field") + '"] input'
    );
    var wanted = widget.getAttribute("data-shown-when-value");
    var fallback = widget.getAttribute("data-shown-default");
    var shown = (other && other.value === wanted) || (fallback !== null && widget.value !== fallback);
    wrapper.hidden = !shown;
  }

  function updateAll(root) {
    root.querySelectorAll("[data-shown-when-field]").forEach(update);
  }

  document.addEventListener("DOMContentLoaded", function () {
    updateAll(document);
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.form) {
      updateAll(event.target.form);
    }
  });
  document.addEventListener("htmx:load", function (event) {
    updateAll(event.target);
  });
})();
