/* A small Adaptive Card renderer (the subset Teams bots use), written for the emulator's page.
   Exposes window.AdaptiveCardRenderer = { render(card, onAction, onSignin), renderSigninCard(content,
   onSignin), markdown(text), escape(text) }. Sign-in actions (an Action.Submit whose data.msteams
   is {type: "signin", value: url}, a signin card's or OAuth card's "signin" button) call
   onSignin(url, title) instead of being submitted, as Teams starts its authentication flow. */
(function () {
  "use strict";

  function esc(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function inline(text) {
    let s = esc(text);
    s = s.replace(/\[([^\]]+)\]\(((?:https?:\/\/|mailto:)[^\s)]+)\)/g,
      '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
    // Adaptive Cards' Markdown has no inline code: Microsoft's renderer shows the text plain.
    s = s.replace(/`([^`]+)`/g, "$1");
    s = s.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
    s = s.replace(/(^|[\s(])_([^_]+)_(?=$|[\s).,!?:;])/g, "$1<em>$2</em>");
    s = s.replace(/(^|[\s(])\*([^*\s][^*]*)\*(?=$|[\s).,!?:;])/g, "$1<em>$2</em>");
    return s;
  }

  /* Markdown as Adaptive Cards define it: bold, italic, links, lists, paragraphs; no inline code. */
  function markdown(text) {
    const out = [];
    let list = null;
    for (const line of String(text == null ? "" : text).split(/\r?\n/)) {
      const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
      const numbered = /^\s*\d+\.\s+(.*)$/.exec(line);
      const item = bullet || numbered;
      const kind = bullet ? "ul" : numbered ? "ol" : null;
      if (item) {
        if (!list || list.kind !== kind) {
          if (list) out.push(`</${list.kind}>`);
          list = { kind };
          out.push(`<${kind}>`);
        }
        out.push(`<li>${inline(item[1])}</li>`);
        continue;
      }
      if (list) { out.push(`</${list.kind}>`); list = null; }
      if (line.trim()) out.push(`<p>${inline(line)}</p>`);
    }
    if (list) out.push(`</${list.kind}>`);
    return out.join("");
  }

  /* Enum values (size, weight, color, style, ...) match case-insensitively, as in Microsoft's
     renderer: "Bolder" is "bolder". */
  function lower(value) {
    return value == null ? "" : String(value).toLowerCase();
  }

  function el(tag, className, html) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (html != null) node.innerHTML = html;
    return node;
  }

  function textBlock(item) {
    const classes = ["ac-text"];
    if (item.size) classes.push("size-" + lower(item.size));
    if (item.weight) classes.push("weight-" + lower(item.weight));
    if (item.color) classes.push("color-" + lower(item.color));
    if (item.isSubtle) classes.push("subtle");
    return el("div", classes.join(" "), markdown(item.text));
  }

  function richText(item) {
    const node = el("div", "ac-text");
    const p = el("p");
    for (const run of item.inlines || []) {
      const span = el(run.italic ? "em" : lower(run.weight) === "bolder" ? "strong" : "span", null,
        esc(typeof run === "string" ? run : run.text));
      p.appendChild(span);
    }
    node.appendChild(p);
    return node;
  }

  function factSet(item) {
    const table = el("table", "ac-facts");
    for (const fact of item.facts || []) {
      const row = el("tr");
      row.appendChild(el("td", null, inline(fact.title)));
      row.appendChild(el("td", null, inline(fact.value)));
      table.appendChild(row);
    }
    return table;
  }

  function image(item) {
    const img = el("img", "ac-image" + (item.size ? " size-" + lower(item.size) : "")
      + (lower(item.style) === "person" ? " person" : ""));
    if (/^(https?:|data:image\/)/.test(item.url || "")) img.src = item.url;
    img.alt = item.altText || "";
    return img;
  }

  function codeBlock(item) {
    const pre = el("pre", "ac-code");
    if (item.language) pre.appendChild(el("span", "lang", esc(item.language)));
    const code = el("code");
    const start = Number(item.startLineNumber || 1);
    String(item.codeSnippet || "").split("\n").forEach((line, n) => {
      code.appendChild(el("span", "ln", String(start + n)));
      code.appendChild(document.createTextNode(line + "\n"));
    });
    pre.appendChild(code);
    return pre;
  }

  function input(item) {
    const wrap = el("div", "ac-field");
    if (item.label) wrap.appendChild(el("div", "ac-label", esc(item.label)));
    let field;
    if (item.type === "Input.Toggle") {
      field = el("input");
      field.type = "checkbox";
      field.checked = String(item.value) === String(item.valueOn || "true");
      field.dataset.on = item.valueOn || "true";
      field.dataset.off = item.valueOff || "false";
      const label = el("label");
      label.appendChild(field);
      label.appendChild(document.createTextNode(" " + (item.title || "")));
      wrap.appendChild(label);
    } else if (item.type === "Input.ChoiceSet") {
      field = el("select", "ac-input");
      field.multiple = Boolean(item.isMultiSelect);
      for (const choice of item.choices || []) {
        const option = el("option", null, esc(choice.title));
        option.value = choice.value;
        field.appendChild(option);
      }
      if (item.value != null) {
        const chosen = String(item.value).split(",");
        for (const option of field.options) option.selected = chosen.includes(option.value);
      }
      wrap.appendChild(field);
    } else {
      field = el(item.isMultiline ? "textarea" : "input", "ac-input");
      field.placeholder = item.placeholder || "";
      field.value = item.value || "";
      wrap.appendChild(field);
    }
    field.dataset.inputId = item.id || "";
    field.setAttribute("aria-label", item.label || item.placeholder || item.id || "input");
    return wrap;
  }

  function collectInputs(root) {
    const values = {};
    for (const field of root.querySelectorAll("[data-input-id]")) {
      if (!field.dataset.inputId) continue;
      if (field.type === "checkbox") {
        values[field.dataset.inputId] = field.checked ? field.dataset.on : field.dataset.off;
      } else if (field.multiple) {
        // A multi-select ChoiceSet's value: the chosen values, comma-separated.
        values[field.dataset.inputId] = Array.from(field.selectedOptions, (o) => o.value).join(",");
      } else {
        values[field.dataset.inputId] = field.value;
      }
    }
    return values;
  }

  /* The URL of a sign-in action: an Action.Submit with data.msteams {type: "signin", value}. */
  function signinUrl(action) {
    const teams = action.type === "Action.Submit" && action.data && action.data.msteams;
    if (!teams || typeof teams !== "object" || lower(teams.type) !== "signin") return null;
    return typeof teams.value === "string" ? teams.value : "";
  }

  function signinButton(url, title, onSignin) {
    const button = el("button", "ac-action ac-signin", esc(title || "Sign in"));
    button.type = "button";
    button.dataset.signinUrl = url;
    button.dataset.title = title || "Sign in";
    button.addEventListener("click", () => { if (onSignin) onSignin(url, title || "Sign in"); });
    return button;
  }

  /* A Bot Framework signin card or OAuth card: text and buttons; "signin" buttons start the flow. */
  function renderSigninCard(content, onSignin) {
    const card = content || {};
    const root = el("div", "ac-card signin-card");
    if (card.text) root.appendChild(el("div", "ac-text", markdown(card.text)));
    const bar = el("div", "ac-actions");
    for (const button of card.buttons || []) {
      const kind = lower(button.type);
      if (kind === "signin") {
        bar.appendChild(signinButton(String(button.value || ""), button.title, onSignin));
      } else if (kind === "openurl") {
        const link = el("a", "ac-action", esc(button.title || button.value));
        if (/^https?:/.test(button.value || "")) link.href = button.value;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        bar.appendChild(link);
      }
    }
    root.appendChild(bar);
    return root;
  }

  function actionSet(actions, ctx) {
    const wrap = el("div");
    const bar = el("div", "ac-actions");
    const shown = el("div", "ac-showcard");
    wrap.appendChild(bar);
    wrap.appendChild(shown);
    for (const action of actions || []) {
      const title = esc(action.title || action.verb || action.type);
      if (action.type === "Action.OpenUrl") {
        const link = el("a", "ac-action", title);
        if (/^(https?:|mailto:)/.test(action.url || "")) link.href = action.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        bar.appendChild(link);
        continue;
      }
      const signin = signinUrl(action);
      if (signin !== null) {
        bar.appendChild(signinButton(signin, action.title, ctx.onSignin));
        continue;
      }
      const button = el("button", "ac-action", title);
      button.type = "button";
      button.addEventListener("click", () => {
        if (action.type === "Action.ShowCard") {
          const open = shown.firstChild && shown.firstChild.dataset.owner === title;
          shown.innerHTML = "";
          if (!open && action.card) {
            const nested = renderCard(action.card, ctx, true);
            nested.dataset.owner = title;
            shown.appendChild(nested);
          }
        } else if (action.type === "Action.ToggleVisibility") {
          for (const target of action.targetElements || []) {
            const id = typeof target === "string" ? target : target.elementId;
            const node = ctx.root.querySelector(`[data-element-id="${CSS.escape(id)}"]`);
            if (node) node.hidden = !node.hidden;
          }
        } else if (action.type === "Action.Submit" || action.type === "Action.Execute") {
          // associatedInputs "none" sends the action's data alone (Adaptive Cards 1.5).
          const inputs = lower(action.associatedInputs) === "none" ? {} : collectInputs(ctx.root);
          button.disabled = true;
          Promise.resolve(ctx.onAction(action, inputs)).finally(() => { button.disabled = false; });
        }
      });
      bar.appendChild(button);
    }
    return wrap;
  }

  function elements(items, ctx) {
    const nodes = [];
    for (const item of items || []) {
      let node;
      switch (item.type) {
        case "TextBlock": node = textBlock(item); break;
        case "RichTextBlock": node = richText(item); break;
        case "FactSet": node = factSet(item); break;
        case "Image": node = image(item); break;
        case "CodeBlock": node = codeBlock(item); break;
        case "ActionSet": node = actionSet(item.actions, ctx); break;
        case "Input.Text": case "Input.Toggle": case "Input.ChoiceSet": case "Input.Number":
        case "Input.Date": case "Input.Time": node = input(item); break;
        case "Container":
          node = el("div", "ac-container" + (item.style ? " style-" + lower(item.style) : ""));
          elements(item.items, ctx).forEach((child) => node.appendChild(child));
          break;
        case "ColumnSet":
          node = el("div", "ac-columns");
          for (const column of item.columns || []) {
            const col = el("div", "ac-column");
            const width = lower(column.width);
            col.style.flex = width === "auto" ? "0 0 auto" : /^\d+px$/.test(width)
              ? `0 0 ${width}` : `${Number(width) || 1} 1 0`;
            elements(column.items, ctx).forEach((child) => col.appendChild(child));
            node.appendChild(col);
          }
          break;
        default:
          node = el("div", "ac-unknown", esc(`[${item.type} is not rendered here]`));
      }
      if (item.id) node.dataset.elementId = item.id;
      if (item.isVisible === false) node.hidden = true;
      nodes.push(node);
    }
    return nodes;
  }

  function renderCard(card, ctx, nested) {
    const root = el("div", "ac-card" + (nested ? " nested" : ""));
    root.dataset.acVersion = card.version || "";
    const own = nested ? ctx : { onAction: ctx.onAction, onSignin: ctx.onSignin, root };
    elements(card.body, own).forEach((node) => root.appendChild(node));
    if (card.actions && card.actions.length) root.appendChild(actionSet(card.actions, own));
    return root;
  }

  window.AdaptiveCardRenderer = {
    render: (card, onAction, onSignin) => renderCard(card || {}, { onAction, onSignin }, false),
    renderSigninCard,
    markdown,
    escape: esc,
  };
})();
