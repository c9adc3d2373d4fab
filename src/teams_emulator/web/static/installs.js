/* Installs on the emulator's page, as Teams offers them:
   - the Chat rail's apps list: add an app for a user (Teams' personal install: the bot hears
     installationUpdate `add` and conversationUpdate membersAdded, then the chat opens);
   - on a channel's header, how each app was added to the team: with the owner's RSC consent
     (ChannelMessage.Read.Group, it reads every message) or without (only @mentions reach it). */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const esc = (text) => window.AdaptiveCardRenderer.escape(text);
  const initials = (name) => String(name).split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase();

  window.EmulatorInstalls = function ({ api, toast, errorText, select, refresh }) {
    let sidebar = null;
    const picked = {}; // app id -> the user picked in its form, kept across redraws

    function showRail(which) {
      for (const node of document.querySelectorAll(".rail-item[data-rail]")) {
        node.classList.toggle("active", node.dataset.rail === which);
      }
      const heading = $(which === "chat" ? "chats-heading" : "teams-heading");
      if (heading) heading.scrollIntoView({ block: "start" });
      const first = which === "chat" && document.querySelector("#apps select");
      if (first) first.focus();
    }

    for (const node of document.querySelectorAll(".rail-item[data-rail]")) {
      node.addEventListener("click", () => showRail(node.dataset.rail));
      node.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); showRail(node.dataset.rail); }
      });
    }

    function chatOf(bot, userId) {
      for (const tenant of sidebar.tenants) {
        const chat = tenant.chats.find((c) => c.appId === bot.appId && c.userId === userId);
        if (chat) return chat;
      }
      return null;
    }

    async function addFor(bot, userId) {
      const installed = bot.personalInstalls.includes(userId);
      if (!installed) {
        const result = await api("/_emulator/ui/install", { appId: bot.appId, userId });
        if (result.error) return toast(errorText(result), true);
        const failed = (result.statuses || []).filter((s) => s !== 200);
        if (failed.length) toast(`${bot.name} added; the bot answered ${failed.join(", ")}`, true);
        else toast(`${bot.name} added`);
        await refresh();
      }
      const chat = chatOf(bot, userId);
      if (chat) await select(chat.id);
    }

    function appForm(bot, users) {
      const form = document.createElement("form");
      form.className = "app-add";
      form.dataset.appId = bot.appId;
      const options = users.map((u) => `<option value="${esc(u.id)}">${esc(u.name)}</option>`).join("");
      form.innerHTML = `<span class="avatar round bot">${esc(initials(bot.name))}</span>
        <span class="app-name">${esc(bot.name)}</span>
        <select aria-label="${esc(`Add ${bot.name} for`)}">${options}</select>
        <button type="submit"></button>`;
      const pick = form.querySelector("select");
      const button = form.querySelector("button");
      if (users.some((u) => u.id === picked[bot.appId])) pick.value = picked[bot.appId];
      const label = () => {
        button.textContent = bot.personalInstalls.includes(pick.value) ? "Open chat" : "Add";
        button.title = bot.personalInstalls.includes(pick.value)
          ? `${bot.name} is added for this user`
          : `Add ${bot.name} for this user: a personal chat with the bot`;
      };
      pick.addEventListener("change", () => { picked[bot.appId] = pick.value; label(); });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        button.disabled = true;
        try { await addFor(bot, pick.value); } finally { button.disabled = false; }
      });
      label();
      return form;
    }

    function renderApps(state) {
      sidebar = state;
      const box = $("apps");
      if (!box) return;
      const active = document.activeElement;
      const focused = active && active.tagName === "SELECT" && box.contains(active)
        ? active.closest("form").dataset.appId : null;
      box.innerHTML = "";
      for (const bot of state.bots) {
        const users = state.tenants.filter((t) => !bot.tenantId || t.id === bot.tenantId).flatMap((t) => t.users);
        if (users.length) box.appendChild(appForm(bot, users));
      }
      const again = focused && box.querySelector(`form[data-app-id="${CSS.escape(focused)}"] select`);
      if (again) again.focus(); // a redraw keeps the picker where the user was
    }

    function renderNote(box, conversation) {
      if (!conversation.team) return;
      for (const install of conversation.team.installs || []) {
        const note = document.createElement("span");
        note.className = "install-note" + (install.readsAllMessages ? " rsc" : "");
        note.dataset.appId = install.appId;
        note.textContent = `${install.name} added · ` +
          (install.readsAllMessages ? "reads all messages (RSC)" : "only @mentions");
        note.title = install.readsAllMessages
          ? "The team owner granted ChannelMessage.Read.Group: every channel message reaches the bot"
          : "Added without the RSC consent: only messages that @mention the bot reach it";
        box.appendChild(note);
      }
    }

    return { renderApps, renderNote };
  };
})();
