/* The emulator's Teams-like page: sidebar, threads, composer, card actions, live refresh, and
   Teams' side of the bot authentication flow (the sign-in window and its hand-back, signin.js)
   and of Universal Actions (each user's view of a card, cardview.js). */
(function () {
  "use strict";
  const AC = window.AdaptiveCardRenderer;
  const $ = (id) => document.getElementById(id);
  const state = { version: -1, sidebar: null, selected: null, conversation: null, viewer: null, drafts: {} };
  const SIGNIN_CARDS = ["application/vnd.microsoft.card.signin", "application/vnd.microsoft.card.oauth"];
  const authWindow = window.EmulatorAuthWindow({
    api, toast, refresh: () => refresh(true), status: $("signin-status"),
    currentUser: () => state.sidebar.tenants.flatMap((t) => t.users).find((u) => u.id === $("as-user").value),
  });
  const cards = window.EmulatorCardViews({
    api, toast, errorText, authWindow, refresh: () => refresh(true), currentUserId: () => $("as-user").value,
  });
  const installs = window.EmulatorInstalls({ api, toast, errorText, select, refresh: () => refresh(true) });

  async function api(path, body) {
    const response = await fetch(path, body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  function initials(name) {
    return String(name || "?").split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase();
  }

  function toast(text, error) {
    const node = $("toast");
    node.textContent = text;
    node.className = "toast" + (error ? " error" : "");
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 4000);
  }

  function errorText(result) {
    const error = result.error;
    return error && typeof error === "object" ? error.message : String(error || "failed");
  }

  function report(result, what) {
    if (result.error && !result.delivered) return toast(errorText(result), true);
    if (!result.delivered) return toast(`${what}: not sent to the bot (no @mention)`);
    if (result.status === 0) return toast(`${what}: bot unreachable (${result.error})`, true);
    const body = result.body;
    if (body && body.type === "application/vnd.microsoft.activity.message") return toast(String(body.value));
    if (body && body.type === "application/vnd.microsoft.error") {
      return toast(`Error: ${(body.value && body.value.message) || "bot error"}`, true);
    }
    if (body && body.type === "application/vnd.microsoft.card.adaptive") return toast("Card updated");
    toast(`${what}: bot answered ${result.status}`, result.status >= 400);
  }

  function allConversations() {
    const found = [];
    for (const tenant of (state.sidebar && state.sidebar.tenants) || []) {
      for (const team of tenant.teams) for (const ch of team.channels) found.push(ch.id);
      for (const chat of tenant.chats) found.push(chat.id);
    }
    return found;
  }

  function renderSidebar() {
    const teams = $("teams");
    const chats = $("chats");
    teams.innerHTML = "";
    chats.innerHTML = "";
    const item = (id, label, cls) => {
      const node = document.createElement("div");
      node.className = "item " + (cls || "") + (id === state.selected ? " selected" : "");
      node.dataset.conversation = id;
      node.innerHTML = label;
      node.addEventListener("click", () => select(id));
      return node;
    };
    for (const tenant of state.sidebar.tenants) {
      for (const team of tenant.teams) {
        const head = document.createElement("div");
        head.className = "team";
        head.innerHTML = `<span class="avatar">${AC.escape(initials(team.name))}</span>${AC.escape(team.name)}`;
        teams.appendChild(head);
        for (const channel of team.channels) teams.appendChild(item(channel.id, AC.escape(channel.name)));
      }
      for (const chat of tenant.chats) {
        chats.appendChild(item(chat.id,
          `<span class="avatar round bot">${AC.escape(initials(chat.title))}</span>${AC.escape(chat.title)}`, "chat"));
      }
    }
    if (!teams.childElementCount) teams.innerHTML = '<div class="empty">No teams yet</div>';
    if (!chats.childElementCount) chats.innerHTML = '<div class="empty">No chats yet</div>';
    installs.renderApps(state.sidebar);
    const urls = $("urls");
    urls.innerHTML = "";
    for (const [name, value] of Object.entries(state.sidebar.urls)) {
      urls.insertAdjacentHTML("beforeend", `<dt>${AC.escape(name)}</dt><dd>${AC.escape(value)}</dd>`);
    }
  }

  function messageText(message) {
    if (message.deleted) return "This message has been deleted.";
    let html = message.fromBot && message.textFormat !== "plain"
      ? AC.markdown(message.text) : AC.escape(message.text);
    html = html.replace(/&lt;at&gt;(.*?)&lt;\/at&gt;/g, '<span class="mention">@$1</span>');
    return html;
  }

  function renderMessage(message, conversation) {
    const node = document.createElement("div");
    node.className = "msg" + (message.deleted ? " deleted" : "");
    node.dataset.messageId = message.id;
    const time = new Date(message.timestamp * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    node.innerHTML = `<span class="avatar round${message.fromBot ? " bot" : ""}">${AC.escape(initials(message.senderName))}</span>
      <div class="msg-body"><div class="msg-meta"><b>${AC.escape(message.senderName)}</b>${time}${message.edited ? '<span class="edited">Edited</span>' : ""}</div>
      <div class="msg-text">${messageText(message)}</div></div>`;
    const body = node.querySelector(".msg-body");
    if (!message.deleted) body.querySelector(".msg-meta").appendChild(cards.menu(conversation, message));
    if (!message.deleted) {
      for (const attachment of message.attachments) {
        const onSignin = (url) => authWindow.start(conversation, message, url);
        if (attachment.contentType === "application/vnd.microsoft.card.adaptive") {
          body.appendChild(AC.render(attachment.content,
            (action, inputs) => clickAction(conversation, message, action, inputs), onSignin));
        } else if (SIGNIN_CARDS.includes(attachment.contentType)) {
          body.appendChild(AC.renderSigninCard(attachment.content, onSignin));
        } else {
          const other = document.createElement("div");
          other.className = "attachment-other";
          other.textContent = `[attachment: ${attachment.contentType}]`;
          body.appendChild(other);
        }
      }
      if (message.cardView) cards.renderView(body, conversation, message, message.cardView);
      cards.keepDrafts(node, message.id);
    }
    return node;
  }

  async function clickAction(conversation, message, action, inputs) {
    const result = await api("/_emulator/ui/actions", {
      conversationId: conversation.id, messageId: message.id, userId: $("as-user").value, action, inputs,
    });
    if (result.answer) {
      cards.reportAnswer(result.answer, action.title || action.type);
      if (result.answer.kind === "card") cards.clearDrafts(message.id);
    } else {
      report(result, action.title || action.type);
    }
    await refresh(true);
  }

  function renderConversation() {
    const conversation = state.conversation;
    const threads = $("threads");
    const active = document.activeElement;
    const focused = active && active.dataset.root;
    const holder = active && active.dataset.inputId && active.closest("[data-message-id]");
    const focusedInput = holder ? [holder.dataset.messageId, active.dataset.inputId] : null;
    threads.innerHTML = "";
    $("title").textContent = conversation.title || "General";
    $("subtitle").textContent = conversation.team ? conversation.team.name : "Chat";
    renderBotControls(conversation);
    for (const thread of conversation.threads) {
      const box = document.createElement("div");
      box.className = "thread";
      box.appendChild(renderMessage(thread.root, conversation));
      if (thread.replies.length) {
        const replies = document.createElement("div");
        replies.className = "replies";
        thread.replies.forEach((m) => replies.appendChild(renderMessage(m, conversation)));
        box.appendChild(replies);
      }
      if (conversation.kind === "channel") box.appendChild(replyForm(conversation, thread.root.id));
      threads.appendChild(box);
    }
    if (!conversation.threads.length) threads.innerHTML = '<div class="empty">No messages yet. Say hello!</div>';
    if (focused) {
      const again = threads.querySelector(`input[data-root="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
    if (focusedInput) {
      const [messageId, inputId] = focusedInput.map((v) => CSS.escape(v));
      const again = threads.querySelector(`[data-message-id="${messageId}"] [data-input-id="${inputId}"]`);
      if (again) again.focus();
    }
    threads.scrollTop = threads.scrollHeight;
    renderComposer(conversation);
    authWindow.markButtons();
  }

  function replyForm(conversation, rootId) {
    const form = document.createElement("form");
    form.className = "reply-form";
    form.innerHTML = '<input type="text" placeholder="Reply" aria-label="Reply"><button type="submit">Reply</button>';
    const input = form.querySelector("input");
    input.dataset.root = rootId;
    input.value = state.drafts[rootId] || "";
    input.addEventListener("input", () => { state.drafts[rootId] = input.value; });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!input.value.trim()) return;
      const text = input.value;
      state.drafts[rootId] = "";
      const result = await api("/_emulator/ui/messages", {
        conversationId: conversation.id, userId: $("as-user").value, text, rootId, mention: $("mention").checked,
      });
      report(result, "Reply");
      refresh(true);
    });
    return form;
  }

  function renderBotControls(conversation) {
    const box = $("bot-controls");
    box.innerHTML = "";
    installs.renderNote(box, conversation);
    if (!conversation.team) return;
    const addButton = (label, className, body) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = className;
      button.textContent = label;
      button.addEventListener("click", async () => {
        await api("/_emulator/ui/install", { teamId: conversation.team.id, ...body });
        refresh(true);
      });
      box.appendChild(button);
    };
    for (const bot of state.sidebar.bots) {
      if (conversation.team.installedBots.includes(bot.appId)) {
        addButton(`Remove ${bot.name}`, "secondary", { appId: bot.appId, remove: true });
        continue;
      }
      addButton(`Add ${bot.name} to team`, "", { appId: bot.appId });
      // The owner's consent to the RSC permission the app asks for: it hears every channel message.
      addButton(`Add ${bot.name}, allowing it to read channel messages`, "secondary", {
        appId: bot.appId, consent: ["ChannelMessage.Read.Group"],
      });
    }
  }

  function renderComposer(conversation) {
    const select = $("as-user");
    const previous = select.value;
    const tenant = state.sidebar.tenants.find((t) => t.id === conversation.tenantId);
    let users = tenant ? tenant.users : [];
    if (conversation.kind === "personal") {
      const chat = tenant.chats.find((c) => c.id === conversation.id);
      users = users.filter((u) => chat && u.id === chat.userId);
    }
    select.innerHTML = users.map((u) => `<option value="${AC.escape(u.id)}">${AC.escape(u.name)}</option>`).join("");
    if (users.some((u) => u.id === previous)) select.value = previous;
    $("mention-wrap").hidden = conversation.kind !== "channel";
    $("compose-text").placeholder = conversation.kind === "channel" ? "Start a new conversation" : "Type a message";
    $("composer").hidden = false;
  }

  async function select(id) {
    state.selected = id;
    history.replaceState(null, "", "#" + encodeURIComponent(id));
    await refresh(true);
  }

  async function refresh(force) {
    const { version } = await api("/_emulator/ui/version");
    if (!force && version === state.version) return;
    state.version = version;
    state.sidebar = await api("/_emulator/ui/state");
    const known = allConversations();
    if (!known.includes(state.selected)) state.selected = known[0] || null;
    renderSidebar();
    if (state.selected) {
      await loadConversation();
      renderConversation();
      // The first drawing picks who is looking; their cards may differ from anyone's.
      if ($("as-user").value !== (state.viewer || "")) {
        await loadConversation();
        renderConversation();
      }
    }
  }

  async function loadConversation() {
    state.viewer = $("as-user").value || null;
    const path = "/_emulator/ui/conversations/" + encodeURIComponent(state.selected);
    state.conversation = await api(`${path}?as=${encodeURIComponent(state.viewer || "")}`);
  }

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("compose-text");
    if (!input.value.trim() || !state.conversation) return;
    const text = input.value;
    input.value = "";
    const result = await api("/_emulator/ui/messages", {
      conversationId: state.conversation.id, userId: $("as-user").value, text, mention: $("mention").checked,
    });
    report(result, "Message");
    refresh(true);
  });

  $("as-user").addEventListener("change", () => refresh(true));

  state.selected = decodeURIComponent(location.hash.slice(1)) || null;
  refresh(true);
  const every = Number(new URLSearchParams(location.search).get("poll")) || 700;
  setInterval(() => refresh(false).catch(() => {}), Math.max(every, 50));
})();
