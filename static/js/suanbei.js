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
 * Edit conflicts (filings/wizard/_conflict.html): "Use theirs" copies the
 * other person's value into the field; "Save my version" saves the form as
 * it now stands against the version that is stored now.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var use = event.target.closest("[data-use-theirs]");
    if (use) {
      var field = document.getElementById(use.getAttribute("data-use-theirs"));
      if (field && "value" in field) {
        field.value = use.getAttribute("data-value");
        use.disabled = true;
      }
      return;
    }
    var keep = event.target.closest("[data-keep-mine]");
    if (keep) {
      var prefix = keep.getAttribute("data-keep-mine");
      var base = document.getElementById("base-" + prefix);
      if (base) {
        base.value = keep.getAttribute("data-base");
        var form = base.form;
        if (window.htmx) {
          window.htmx.trigger(form, "change");
        } else {
          form.requestSubmit();
        }
      }
    }
  });
})();
