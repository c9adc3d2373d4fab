/* The compose box's message extensions, for the emulator's page (loaded after app.js; it only
   reads the page's DOM: the selected conversation in the sidebar, the "As" user, the composer).

   - A link typed or pasted into the composer whose host an app registered (its manifest's
     messageHandlers) sends composeExtension/queryLink; the answer's card is previewed above the
     composer and sent with the message, as Teams does. Nothing is shown for an empty result.
   - The Apps button opens a flyout with each app's search: opening it sends the initial run,
     typing sends composeExtension/query (paged with "More"); choosing a result inserts its card
     into the conversation (for a result with a tap, the card the app answers selectItem with).
   - An auth answer shows a sign-in button: the sign-in window (signin.js) hands its result back,
     and the query is sent again with value.state. */
(function () {
  "use strict";
  const AC = window.AdaptiveCardRenderer;
  const $ = (id) => document.getElementById(id);
  const URL_RE = /https?:\/\/[^\s<>"]+/g;
  const state = { preview: null, queried: new Set(), apps: [], app: null, results: [], text: "", timer: null };

  async function api(path, body) {
    const response = await fetch(path, body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    return response.json();
  }

  function conversationId() {
    const selected = document.querySelector("#teams .item.selected, #chats .item.selected");
    return selected ? selected.dataset.conversation : null;
  }

  function userId() { return $("as-user").value; }

  function status(text, kind) {
    const node = $("signin-status");
    node.textContent = text;
    node.className = "signin-status" + (kind ? " " + kind : "");
    node.hidden = !text;
  }

  async function currentUser() {
    const sidebar = await api("/_emulator/ui/state");
    return sidebar.tenants.flatMap((t) => t.users).find((u) => u.id === userId());
  }

  let user = null;
  const authWindow = window.EmulatorAuthWindow({
    api, toast: (text) => status(text, "error"), refresh: () => {}, status: $("signin-status"),
    currentUser: () => user,
  });

  async function signIn(url, appId, show) {
    const id = conversationId();
    if (!id) return;
    user = await currentUser();
    const conversation = await api("/_emulator/ui/conversations/" + encodeURIComponent(id));
    authWindow.start(conversation, { id: "" }, url, async (result, who) => {
      const resumed = await api("/_emulator/ui/compose/resume", { userId: who.id, appId, state: result });
      if (resumed.answer) show(resumed.answer, appId);
      const ok = resumed.answer && resumed.answer.kind === "result";
      return { text: ok ? "Signed in: the app answered the query again." : "Sign-in: the app did not accept it.", kind: ok ? "ok" : "error" };
    });
  }

  // -- link unfurling ----------------------------------------------------------------------------
  const box = document.createElement("div");
  box.id = "compose-ext";
  box.className = "compose-ext";
  box.innerHTML = `<div id="compose-preview" class="compose-preview" hidden></div>
    <div id="compose-flyout" class="compose-flyout" hidden></div>`;
  $("composer").before(box);
  const apps = document.createElement("button");
  apps.type = "button";
  apps.id = "compose-apps";
  apps.className = "secondary";
  apps.textContent = "Apps";
  apps.title = "Message extensions: search an app and insert a card";
  $("send").before(apps);

  function showPreview(answer, appId) {
    const node = $("compose-preview");
    node.innerHTML = "";
    node.className = "compose-preview";
    state.preview = null;
    if (answer.kind === "result" && answer.attachments.length) {
      state.preview = { appId, attachment: answer.attachments[0] };
      const head = document.createElement("div");
      head.className = "compose-preview-head";
      head.innerHTML = '<span>Link preview</span><button type="button" class="link">Remove</button>';
      head.querySelector("button").addEventListener("click", () => { state.preview = null; node.hidden = true; });
      node.appendChild(head);
      node.appendChild(AC.render(answer.attachments[0].content, () => {}, () => {}));
    } else if (answer.kind === "auth") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "compose-signin";
      button.textContent = answer.text || "Sign in";
      button.addEventListener("click", () => signIn(answer.sign_in_url, appId, showPreview));
      node.appendChild(button);
    } else if (answer.kind !== "result") {
      node.textContent = answer.text + (answer.detail ? ` (${answer.detail})` : "");
      node.classList.add("error");
    }
    node.hidden = !node.childElementCount && !node.textContent;
  }

  async function unfurl(url) {
    const id = conversationId();
    if (!id || state.queried.has(url)) return;
    state.queried.add(url);
    const result = await api("/_emulator/ui/compose/link", { conversationId: id, userId: userId(), url });
    if (result.registered && result.answer) showPreview(result.answer, result.appId);
  }

  function linksIn(text) { return (text.match(URL_RE) || []).map((u) => u.replace(/[).,;]+$/, "")); }

  const input = $("compose-text");
  input.addEventListener("paste", (event) => {
    const pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
    linksIn(pasted).forEach(unfurl);
  });
  input.addEventListener("input", () => linksIn(input.value).forEach(unfurl));

  // Sent with the message: the previewed card goes first, then the text (app.js posts it).
  $("composer").addEventListener("submit", async () => {
    const preview = state.preview;
    const id = conversationId();
    state.preview = null;
    state.queried.clear();
    $("compose-preview").hidden = true;
    if (!preview || !id) return;
    await api("/_emulator/ui/compose/insert", {
      conversationId: id, userId: userId(), appId: preview.appId, attachment: preview.attachment,
    });
  }, true);

  // -- search flyout -----------------------------------------------------------------------------
  function renderFlyout(answer) {
    const fly = $("compose-flyout");
    const list = fly.querySelector(".compose-results");
    const more = fly.querySelector(".compose-more");
    const note = fly.querySelector(".compose-note");
    note.textContent = "";
    if (answer.kind === "result") {
      state.results = state.results.concat(answer.attachments);
      more.hidden = answer.attachments.length === 0;
    } else if (answer.kind === "auth") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "compose-signin";
      button.textContent = answer.text || "Sign in";
      button.addEventListener("click", () => signIn(answer.sign_in_url, state.app.appId, (again) => {
        state.results = [];
        renderFlyout(again);
      }));
      note.appendChild(button);
      more.hidden = true;
    } else {
      note.textContent = answer.text + (answer.detail ? ` (${answer.detail})` : "");
      more.hidden = true;
    }
    list.innerHTML = "";
    state.results.forEach((attachment, index) => {
      const preview = (attachment.preview && attachment.preview.content) || {};
      const item = document.createElement("button");
      item.type = "button";
      item.className = "compose-result";
      item.dataset.index = String(index);
      item.innerHTML = `<b>${AC.escape(preview.title || "(untitled)")}</b>
        <small>${AC.escape(preview.subtitle || "")}</small><span>${AC.escape(preview.text || "")}</span>`;
      item.addEventListener("click", () => insert(attachment));
      list.appendChild(item);
    });
  }

  async function search(skip) {
    const id = conversationId();
    if (!id || !state.app) return;
    if (!skip) state.results = [];
    const result = await api("/_emulator/ui/compose/search", {
      conversationId: id, userId: userId(), appId: state.app.appId, text: state.text, skip,
    });
    if (result.answer) renderFlyout(result.answer);
  }

  async function insert(attachment) {
    const id = conversationId();
    const done = await api("/_emulator/ui/compose/insert", {
      conversationId: id, userId: userId(), appId: state.app.appId, attachment,
    });
    if (!done.messageId) {
      const answer = done.answer || { text: "Nothing to insert", detail: "" };
      $("compose-flyout").querySelector(".compose-note").textContent =
        answer.text || "The app gave nothing to insert." + (answer.detail ? ` (${answer.detail})` : "");
      return;
    }
    closeFlyout();
  }

  function closeFlyout() { $("compose-flyout").hidden = true; }

  async function openFlyout() {
    const fly = $("compose-flyout");
    if (!fly.hidden) return closeFlyout();
    state.apps = await api("/_emulator/ui/compose/apps");
    fly.innerHTML = "";
    if (!state.apps.length) {
      fly.textContent = "No app with a message extension is registered.";
      fly.hidden = false;
      return;
    }
    state.app = state.apps[0];
    fly.innerHTML = `<div class="compose-flyout-head"><b>${AC.escape(state.app.name)}</b>
        <button type="button" class="link compose-close">Close</button></div>
      <input type="search" class="compose-search" placeholder="Search" aria-label="Search ${AC.escape(state.app.name)}">
      <div class="compose-note"></div><div class="compose-results"></div>
      <button type="button" class="secondary compose-more" hidden>More</button>`;
    fly.querySelector(".compose-close").addEventListener("click", closeFlyout);
    const box = fly.querySelector(".compose-search");
    box.addEventListener("input", () => {
      clearTimeout(state.timer);
      state.timer = setTimeout(() => { state.text = box.value; search(0); }, 250);
    });
    fly.querySelector(".compose-more").addEventListener("click", () => search(state.results.length));
    fly.hidden = false;
    state.text = "";
    box.focus();
    await search(0);
  }

  apps.addEventListener("click", openFlyout);
})();
