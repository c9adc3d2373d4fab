/* Teams' side of Universal Actions on the emulator's page; app.js makes one with
   window.EmulatorCardViews({api, toast, errorText, authWindow, refresh, currentUserId}).

   Each bot card comes with the viewing user's side of it (cardView, from the server): their own
   card if an invoke returned one, a pending sign-in (a loginRequest answer, whose button opens the
   authentication window of signin.js and hands the code back as the action re-sent with
   value.state), the last answer's notice, and the card's refresh for them: automatic and due
   (sent now, once), or manual (the message menu's "Refresh card"). */
(function () {
  "use strict";
  const AC = window.AdaptiveCardRenderer;

  window.EmulatorCardViews = function (page) {
    const drafts = {};
    const refreshing = new Set();

    /* The "..." menu of a message: Teams' "Refresh card" (for a user its card's refresh does not
       reach automatically), and the emulator's stand-in for an admin removing the message. */
    function menu(conversation, message) {
      const menu = document.createElement("details");
      menu.className = "msg-menu";
      menu.innerHTML = '<summary aria-label="More options" title="More options">⋯</summary><div class="msg-menu-items"></div>';
      const items = menu.querySelector(".msg-menu-items");
      const item = (label, run) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.addEventListener("click", () => { menu.open = false; run(); });
        items.appendChild(button);
      };
      const view = message.cardView;
      if (view && view.refresh.mode === "manual") item("Refresh card", () => manualRefresh(conversation, message));
      item("Delete message (as an admin)", () => deleteMessage(conversation, message));
      return menu;
    }

    /* The viewing user's side of a bot's card: a sign-in prompt (loginRequest), the last action's
       notice, a refresh Teams sends now (automatic, due), the emulator's warning about the card. */
    function renderView(body, conversation, message, view) {
      const card = body.querySelector(".ac-card");
      if (card && view.personal) {
        card.dataset.personal = "true";
        card.title = "This card was returned to you: others see the message's own card.";
      }
      if (view.signin) {
        const box = document.createElement("div");
        box.className = "card-signin";
        box.appendChild(AC.renderSigninCard(view.signin, (url) => page.authWindow.start(
          conversation, message, url, (code, user) => resumeAction(conversation, message, user, code))));
        body.appendChild(box);
      }
      if (view.notice) {
        const notice = document.createElement("div");
        notice.className = "card-notice " + view.notice.kind;
        notice.textContent = view.notice.text;
        if (view.notice.detail) notice.title = view.notice.detail;
        body.appendChild(notice);
      }
      if (view.refresh.problem) {
        const warning = document.createElement("div");
        warning.className = "emulator-warning";
        warning.textContent = `Emulator: ${view.refresh.problem}.`;
        body.appendChild(warning);
      }
      if (view.refresh.due) autoRefresh(conversation, message, view.userId);
    }

    function autoRefresh(conversation, message, userId) {
      const key = `${message.id}|${userId}`;
      if (refreshing.has(key)) return;
      refreshing.add(key);
      page.api("/_emulator/ui/refresh", {
        conversationId: conversation.id, messageId: message.id, userId, trigger: "automatic",
      }).finally(() => {
        refreshing.delete(key);
        page.refresh();
      });
    }

    async function manualRefresh(conversation, message) {
      const result = await page.api("/_emulator/ui/refresh", {
        conversationId: conversation.id, messageId: message.id, userId: page.currentUserId(), trigger: "manual",
      });
      if (result.answer) reportAnswer(result.answer, "Refresh card");
      else page.toast(page.errorText(result), true);
      page.refresh();
    }

    async function deleteMessage(conversation, message) {
      const result = await page.api("/_emulator/ui/messages/delete", { conversationId: conversation.id, messageId: message.id });
      if (!result.deleted) page.toast(page.errorText(result), true);
      page.refresh();
    }

    async function resumeAction(conversation, message, user, code) {
      const result = await page.api("/_emulator/ui/actions/resume", {
        conversationId: conversation.id, messageId: message.id, userId: user.id, state: code,
      });
      if (!result.answer) return { text: `Sign-in: ${page.errorText(result)}`, kind: "error" };
      reportAnswer(result.answer, "Sign-in");
      if (result.answer.kind === "card") clearDrafts(message.id);
      const failed = ["error", "unreachable", "invalid"].includes(result.answer.kind);
      return {
        text: `Signed in: the action was sent again with the sign-in code; ${failed ? result.answer.text : "the bot answered."}`,
        kind: failed ? "error" : "ok",
      };
    }

    /* What a person typed into a card's inputs survives the page redrawing itself. */
    function keepDrafts(node, messageId) {
      for (const field of node.querySelectorAll("[data-input-id]")) {
        const key = `${messageId}|${field.dataset.inputId}`;
        if (key in drafts) {
          if (field.type === "checkbox") field.checked = drafts[key];
          else if (field.multiple) for (const o of field.options) o.selected = drafts[key].includes(o.value);
          else field.value = drafts[key];
        }
        const save = () => {
          drafts[key] = field.type === "checkbox" ? field.checked
            : field.multiple ? Array.from(field.selectedOptions, (o) => o.value) : field.value;
        };
        field.addEventListener("input", save);
        field.addEventListener("change", save);
      }
    }

    function clearDrafts(messageId) {
      for (const key of Object.keys(drafts)) {
        if (key.startsWith(`${messageId}|`)) delete drafts[key];
      }
    }

    function reportAnswer(answer, what) {
      if (answer.kind === "card") return page.toast(`${what}: card updated`);
      if (answer.kind === "message") return page.toast(answer.text);
      if (answer.kind === "login") return page.toast(`${what}: sign in to continue`);
      return page.toast(answer.text, true);
    }

    return { menu, renderView, keepDrafts, clearDrafts, reportAnswer };
  };
})();
