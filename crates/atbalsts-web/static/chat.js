// Atbalsts: the assistant's question form without a page reload.
// Without this script the form posts to the server, which renders the page
// again with the conversation; this only makes the same steps quicker.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  var list = document.getElementById("conversation");
  if (!form || !list || !window.fetch || !window.JSON) {
    return;
  }
  var field = form.elements.namedItem("q");
  var lang = document.documentElement.lang === "en" ? "en" : "lv";
  var busy = false;

  // A page that came back with errors: take the keyboard to their summary.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  function setSession(id) {
    var inputs = document.querySelectorAll("input[name=session]");
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].value = id;
    }
  }

  function said(className, speaker, text, textLang) {
    var item = document.createElement("li");
    item.className = className;
    var who = document.createElement("span");
    who.className = "speaker";
    who.textContent = speaker + ":";
    var body = document.createElement("span");
    body.className = "said";
    if (textLang) {
      body.lang = textLang;
    }
    body.textContent = text;
    item.appendChild(who);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(body);
    return item;
  }

  function articleHref(id) {
    return (lang === "en" ? "/en" : "") + "/articles/" + encodeURIComponent(id);
  }

  // Fall back to the server: it asks (or shows the hand-over form) and renders the page.
  function post(intent) {
    form.elements.namedItem("intent").value = intent;
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    var q = field.value.trim();
    if (busy) {
      event.preventDefault();
      return;
    }
    if (!q || q.length > 1000) {
      return; // the server explains what is wrong next to the field
    }
    event.preventDefault();
    busy = true;
    var session = form.elements.namedItem("session").value;
    var body = { q: q, lang: lang };
    if (session) {
      body.session = session;
    }
    fetch("/api/v1/assistant/query", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (reply) {
        setSession(reply.session);
        if (reply.handoff_offered) {
          // The question is kept with the conversation; the server shows it with the hand-over form.
          post("person");
          return;
        }
        ["conversation-empty", "error-summary", "question-error"].forEach(function (id) {
          var old = document.getElementById(id);
          if (old) {
            old.parentNode.removeChild(old);
          }
        });
        field.removeAttribute("aria-invalid");
        field.setAttribute("aria-describedby", "question-hint");
        list.appendChild(said("you", list.getAttribute("data-you"), q, null));
        var answer = said("assistant", list.getAttribute("data-assistant"), reply.reply, reply.lang);
        var results = (reply.results || []).slice(0, 3);
        if (results.length) {
          var label = document.createElement("span");
          label.className = "sources-label";
          label.textContent = list.getAttribute("data-sources");
          var links = document.createElement("ul");
          links.className = "sources";
          links.lang = reply.lang;
          results.forEach(function (result) {
            var link = document.createElement("a");
            link.href = articleHref(result.id);
            link.textContent = result.title;
            var entry = document.createElement("li");
            entry.appendChild(link);
            links.appendChild(entry);
          });
          answer.appendChild(document.createTextNode(" "));
          answer.appendChild(label);
          answer.appendChild(links);
        }
        list.appendChild(answer);
        field.value = "";
        var helped = document.getElementById("helped-form");
        if (helped && reply.answer && results.length) {
          helped.hidden = false;
        }
        busy = false;
      })
      .catch(function () {
        post("ask");
      });
  });
})();
