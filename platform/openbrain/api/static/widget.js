/*! OpenBrain chat widget: one <script> tag, no dependencies. See docs/widget.md.
 *
 * <script src="https://API/widget.js" data-key="ob_pk_..." data-profile="default" async></script>
 *
 * Flow: exchange the publishable key for a short-lived session token
 * (POST /v1/widget/session), start a session (POST /v1/chat with reset: the ice breaker),
 * then stream each answer (POST /v1/sessions/{id}/messages, Accept: text/event-stream).
 * After a hand-off to a person (an answer whose `control` is not "agent"), the widget
 * listens to the session's live stream (GET /v1/sessions/{id}/events) and shows the team
 * member's messages as they come; it reconnects with Last-Event-ID after a drop or when the
 * server ends the stream, so no message is lost or shown twice, and stops listening once the
 * assistant has the conversation back.
 * The session id, the token and the transcript are kept in localStorage, so the
 * conversation survives page loads; an expired token is exchanged again for the same session.
 * The first exchange also issues a visitor secret, kept with them and sent as
 * X-Visitor-Secret on every call: the sessions this browser starts are its own, and a
 * session id alone reaches nothing.
 */
(() => {
  "use strict";

  const VERSION = "1";
  const MAX_MESSAGES = 100; // transcript kept in localStorage (older ones are dropped)
  const MAX_INPUT = 16000; // the API's message limit
  const TOKEN_MARGIN_MS = 30000; // refresh a token this long before it expires
  const RECONNECT_MS = 1000; // first wait before reopening a dropped live stream
  const RECONNECT_MAX_MS = 15000;
  const HELD = { waiting: true, human: true }; // a person answers: listen to the stream
  const NOTICES = {
    waiting: "Waiting for a team member to join…",
    human: "You are chatting with a team member.",
    closed: "This conversation was closed. Start a new one with ↺.",
  };

  const script =
    document.currentScript || document.querySelector('script[data-key][src*="widget.js"]');
  if (!script) return;
  const cfg = readConfig(script);
  if (!cfg) return;

  // Including the same tag twice (e.g. by a tag manager) must not give two bubbles.
  const registry = (window.__openbrainWidgets = window.__openbrainWidgets || {});
  const instanceId = cfg.key + ":" + cfg.profile;
  if (registry[instanceId]) return;
  registry[instanceId] = true;

  const start = () => {
    registry[instanceId] = createWidget(cfg);
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });

  // ---------------------------------------------------------------- configuration

  function readConfig(el) {
    const d = el.dataset;
    const key = (d.key || "").trim();
    if (key.startsWith("ob_sk_")) {
      console.error("OpenBrain widget: data-key holds a SECRET key; revoke it and use a publishable key (ob_pk_...).");
      return null;
    }
    if (!key.startsWith("ob_pk_")) {
      console.error("OpenBrain widget: data-key must be a publishable key (ob_pk_...).");
      return null;
    }
    let api = d.api || "";
    if (!api) {
      try {
        api = new URL(".", el.src).href; // the API serves /widget.js from its own root
      } catch (_) {
        console.error("OpenBrain widget: cannot derive the API URL; set data-api.");
        return null;
      }
    }
    const color = d.color && window.CSS && CSS.supports("color", d.color) ? d.color : "#2f5bea";
    return {
      key,
      api: api.replace(/\/+$/, ""),
      profile: (d.profile || "default").trim(),
      title: d.title || "Chat",
      placeholder: d.placeholder || "Type a message…",
      color,
      position: d.position === "left" ? "left" : "right",
      open: d.open === "true",
    };
  }

  // ---------------------------------------------------------------- persistence

  function storage(cfg) {
    const name = "openbrain.widget.v" + VERSION + ":" + cfg.key + ":" + cfg.profile;
    return {
      name,
      load() {
        try {
          const state = JSON.parse(window.localStorage.getItem(name) || "{}");
          return state && typeof state === "object" ? state : {};
        } catch (_) {
          return {}; // storage disabled or corrupt: start afresh
        }
      },
      save(state) {
        try {
          window.localStorage.setItem(name, JSON.stringify(state));
        } catch (_) {
          // Private mode or quota: the widget still works, only not across page loads.
        }
      },
    };
  }

  // ---------------------------------------------------------------- HTTP

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function fallbackMessage(status) {
    if (status === 0) return "Could not reach the chat service. Please try again later.";
    if (status === 401) return "Your chat session has expired.";
    if (status === 403) return "This site is not allowed to use this chat.";
    if (status === 404) return "This conversation no longer exists.";
    if (status === 409) return "Please wait for the previous answer.";
    if (status === 429) return "Too many messages. Please wait a moment and try again.";
    if (status >= 500) return "The assistant is unavailable right now. Please try again.";
    return "The request was refused (" + status + ").";
  }

  // RFC 9457 problem details: show `detail`, the sentence meant for people.
  async function problem(res) {
    let message = "";
    try {
      const type = res.headers.get("content-type") || "";
      if (type.includes("json")) {
        const body = await res.json();
        message = (body && (body.detail || body.title)) || "";
      }
    } catch (_) {
      // unreadable body: fall back to the status
    }
    const retry = res.headers.get("retry-after");
    if (res.status === 429 && retry && /^\d+$/.test(retry)) {
      message = (message ? message + " " : "") + "Try again in " + retry + " s.";
    }
    message = message ? message.charAt(0).toUpperCase() + message.slice(1) : "";
    return new ApiError(res.status, message || fallbackMessage(res.status));
  }

  async function post(url, body, bearer, visitor, accept) {
    const headers = {
      Authorization: "Bearer " + bearer,
      "Content-Type": "application/json",
      Accept: accept || "application/json",
    };
    if (visitor) headers["X-Visitor-Secret"] = visitor;
    try {
      return await fetch(url, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers,
        body: JSON.stringify(body),
      });
    } catch (_) {
      throw await unreachable();
    }
  }

  // A CORS refusal and a network failure look the same to fetch. Tell them apart with an
  // opaque request to the public health route: if the API answers that, it refused us.
  async function unreachable() {
    if (navigator.onLine === false) return new ApiError(0, "You are offline. Check your connection and try again.");
    try {
      await fetch(cfg.api + "/healthz", {
        mode: "no-cors",
        cache: "no-store",
        credentials: "omit",
      });
    } catch (_) {
      return new ApiError(0, fallbackMessage(0));
    }
    return new ApiError(403, "This site (" + location.origin + ") is not allowed to use this chat.");
  }

  function expiryMs(value) {
    if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
    const ms = Date.parse(value || "");
    return Number.isNaN(ms) ? Date.now() + 60000 : ms;
  }

  async function get(url, bearer, visitor, lastEventId, signal) {
    const headers = { Authorization: "Bearer " + bearer, Accept: "text/event-stream" };
    if (visitor) headers["X-Visitor-Secret"] = visitor;
    if (lastEventId !== undefined && lastEventId !== null) headers["Last-Event-ID"] = String(lastEventId);
    return fetch(url, { method: "GET", mode: "cors", credentials: "omit", headers, signal, cache: "no-store" });
  }

  // Server-sent events over a fetch body (EventSource cannot POST, nor send a token).
  async function readEvents(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "message";
    let data = [];
    let id = null;
    const line = (text) => {
      if (text === "") {
        if (data.length) onEvent(event, data.join("\n"), id);
        event = "message";
        data = [];
        id = null;
        return;
      }
      if (text[0] === ":") return; // comment / keep-alive
      const colon = text.indexOf(":");
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? "" : text.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    };
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let match;
      while ((match = /\r\n|\r|\n/.exec(buffer))) {
        // A lone "\r" at the end may be the first half of "\r\n": wait for more.
        if (!done && match[0] === "\r" && match.index === buffer.length - 1) break;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
      if (done) {
        if (buffer) line(buffer);
        line("");
        return;
      }
    }
  }

  // ---------------------------------------------------------------- the widget

  function createWidget(cfg) {
    const store = storage(cfg);
    let state = store.load();
    if (!Array.isArray(state.messages)) state.messages = [];
    let busy = false;
    let refused = false;

    const ui = render(cfg);
    for (const m of state.messages) ui.addMessage(m.role, m.text);
    ui.setSession(state.sessionId);
    ui.setControl(state.control || "agent");
    let listening = null; // the session whose live stream is open (or reopening)
    let listenAbort = null;

    const persist = () => {
      state.messages = state.messages.slice(-MAX_MESSAGES);
      store.save(state);
    };

    // The session token: exchanged for the publishable key when missing, about to expire, or
    // not yet bound to the current session (a token can only chat in its own session).
    async function token(force) {
      const fresh = state.token && expiryMs(state.expiresAt) - Date.now() > TOKEN_MARGIN_MS;
      if (!force && fresh && (state.tokenSession || null) === (state.sessionId || null)) {
        return state.token;
      }
      const asked = state.sessionId || null;
      const body = { profile: cfg.profile };
      if (asked) body.sessionId = asked;
      const res = await post(cfg.api + "/v1/widget/session", body, cfg.key, state.visitorSecret);
      if (!res.ok) throw await problem(res);
      const grant = await res.json();
      if (grant.visitorSecret) state.visitorSecret = grant.visitorSecret;
      if (asked && grant.sessionId !== asked) forget(); // expired or erased: begin anew
      state.token = grant.token;
      state.expiresAt = grant.expiresAt;
      state.tokenSession = grant.sessionId || null;
      if (grant.sessionId) state.sessionId = grant.sessionId;
      ui.setSession(state.sessionId);
      persist();
      return state.token;
    }

    function forget() {
      // The visitor stays the same browser: its secret outlives the conversation.
      state = { messages: [], open: state.open, visitorSecret: state.visitorSecret };
      stopListening();
      ui.clearMessages();
      ui.setSession(null);
      ui.setControl("agent");
    }

    function setControl(control) {
      if (!control || control === state.control) return;
      state.control = control;
      persist();
      ui.setControl(control);
    }

    function stopListening() {
      listening = null;
      if (listenAbort) listenAbort.abort();
      listenAbort = null;
    }

    // The session's live stream, while a person has the conversation: their messages as
    // they are sent, and who answers. Reopened with Last-Event-ID after a drop or when the
    // server ends it (it does every few minutes by design), with a growing pause on errors.
    function listen() {
      const sessionId = state.sessionId;
      if (!sessionId || listening === sessionId || refused) return;
      stopListening();
      listening = sessionId;
      const url = cfg.api + "/v1/sessions/" + encodeURIComponent(sessionId) + "/events";
      const current = () => listening === sessionId && state.sessionId === sessionId;
      const onEvent = (event, data, id) => {
        if (!current()) return;
        let payload;
        try {
          payload = JSON.parse(data);
        } catch (_) {
          return;
        }
        if (event === "message" && payload && payload.role === "human_agent") {
          ui.addMessage("human_agent", payload.content);
          state.messages.push({ role: "human_agent", text: payload.content });
        } else if (event === "state" && payload) {
          setControl(payload.control);
        }
        if (id !== null && id !== undefined) state.lastEventId = id;
        persist();
      };
      (async () => {
        let pause = RECONNECT_MS;
        while (current()) {
          const abort = new AbortController();
          listenAbort = abort;
          let wait = 100; // the server ended the stream (it does every few minutes): reopen now
          try {
            let bearer = await token(false);
            let res = await get(url, bearer, state.visitorSecret, state.lastEventId, abort.signal);
            if (res.status === 401) {
              bearer = await token(true);
              res = await get(url, bearer, state.visitorSecret, state.lastEventId, abort.signal);
            }
            if (res.status === 404) break; // the session is gone
            if (!res.ok || !res.body) throw await problem(res);
            pause = RECONNECT_MS;
            await readEvents(res.body, onEvent);
          } catch (_) {
            wait = pause; // dropped or refused: try again later, and later each time
            pause = Math.min(pause * 2, RECONNECT_MAX_MS);
          }
          if (!current() || !HELD[state.control]) break; // the assistant is back, or closed
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
        if (listening === sessionId) listening = null;
      })();
    }


    // POST with the session token. A refused token (401, or an opaque refusal: errors raised
    // before the API has accepted the origin carry no CORS headers) is exchanged once more.
    async function authorized(url, body, accept) {
      const bearer = await token(false);
      try {
        const res = await post(url, body, bearer, state.visitorSecret, accept);
        if (res.status !== 401) return res;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 403) throw err;
      }
      const renewed = await token(true);
      return post(url, body, renewed, state.visitorSecret, accept);
    }

    // A new session answers with the profile's ice breaker.
    async function startSession() {
      const bubble = ui.addMessage("assistant", "", true);
      try {
        const request = { reset: true, agentConfig: cfg.profile };
        const res = await authorized(cfg.api + "/v1/chat", request);
        if (!res.ok) throw await problem(res);
        const reply = await res.json();
        state.sessionId = reply.sessionId;
        state.messages = [{ role: "assistant", text: reply.message }];
        ui.setSession(state.sessionId);
        bubble.finish(reply.message);
        persist();
      } catch (err) {
        bubble.remove();
        throw err;
      }
    }

    async function ensureSession() {
      if (state.sessionId && state.messages.length) return;
      // A session id without its transcript (storage trimmed by hand): start clean.
      if (state.sessionId) forget();
      await startSession();
    }

    async function stream(text) {
      const url = cfg.api + "/v1/sessions/" + encodeURIComponent(state.sessionId) + "/messages";
      const res = await authorized(url, { message: text }, "text/event-stream");
      if (!res.ok) throw await problem(res);
      const type = res.headers.get("content-type") || "";
      if (!type.includes("text/event-stream") || !res.body) {
        const reply = await res.json(); // a server or proxy that does not stream
        if (reply.message) ui.addMessage("assistant", reply.message);
        return reply;
      }
      const bubble = ui.addMessage("assistant", "", true);
      let reply = null;
      let failure = null;
      try {
        await readEvents(res.body, (event, data) => {
          let payload;
          try {
            payload = JSON.parse(data);
          } catch (_) {
            return;
          }
          if (event === "token" && payload && typeof payload.text === "string") bubble.append(payload.text);
          else if (event === "done") reply = payload;
          else if (event === "error") failure = new ApiError(payload.status || 500, payload.detail || payload.title || fallbackMessage(500));
        });
      } catch (_) {
        failure = failure || new ApiError(0, "The answer was interrupted. Please try again.");
      }
      if (failure || !reply) {
        bubble.remove();
        throw failure || new ApiError(0, "The answer was interrupted. Please try again.");
      }
      // Held for a person (waiting, or a team member answers): the message was kept for
      // them and the answer comes on the live stream.
      if (reply.message) bubble.finish(reply.message);
      else bubble.remove();
      return reply;
    }

    async function send(text) {
      if (busy || refused) return;
      text = text.trim();
      if (!text) return;
      busy = true;
      ui.setBusy(true);
      ui.showError(null);
      let userBubble = null;
      try {
        await ensureSession();
        userBubble = ui.addMessage("user", text);
        ui.clearInput();
        let reply;
        try {
          reply = await stream(text);
        } catch (err) {
          if (!(err instanceof ApiError) || err.status !== 404) throw err;
          // The session expired server-side: start a new one and ask again.
          forget();
          await startSession();
          userBubble = ui.addMessage("user", text);
          reply = await stream(text);
        }
        state.messages.push({ role: "user", text });
        if (reply.message) state.messages.push({ role: "assistant", text: reply.message });
        setControl(reply.control || "agent");
        persist();
        if (HELD[state.control]) listen();
      } catch (err) {
        // Nothing was kept server-side: give the text back so the visitor can retry.
        if (userBubble) userBubble.remove();
        ui.restoreInput(text);
        fail(err);
      } finally {
        busy = false;
        ui.setBusy(false);
        ui.focusInput();
      }
    }

    function fail(err) {
      const status = err instanceof ApiError ? err.status : 0;
      ui.showError(err instanceof ApiError ? err.message : fallbackMessage(0));
      // Origin or key refused: nothing the visitor can do here, so stop offering input.
      if (status === 401 || status === 403) {
        refused = true;
        ui.setRefused(true);
      }
    }

    async function open() {
      ui.setOpen(true);
      state.open = true;
      persist();
      if (busy || refused || state.messages.length) return;
      busy = true;
      ui.setBusy(true);
      try {
        await ensureSession();
        ui.showError(null);
      } catch (err) {
        fail(err);
      } finally {
        busy = false;
        ui.setBusy(false);
        ui.focusInput();
      }
    }

    function close() {
      ui.setOpen(false);
      state.open = false;
      persist();
    }

    async function restart() {
      if (busy) return;
      forget();
      refused = false;
      ui.setRefused(false);
      persist();
      await open();
    }

    // Another tab of the same site chatted: take over its state (when not mid-turn here).
    window.addEventListener("storage", (e) => {
      if (e.key !== store.name || busy) return;
      const open = state.open;
      state = store.load();
      if (!Array.isArray(state.messages)) state.messages = [];
      state.open = open;
      ui.clearMessages();
      for (const m of state.messages) ui.addMessage(m.role, m.text);
      ui.setSession(state.sessionId);
    });
    // The host page may open the chat from its own button (see docs/widget.md).
    window.addEventListener("openbrain:open", (e) => {
      const wanted = e.detail && e.detail.profile;
      if (!wanted || wanted === cfg.profile) open();
    });

    ui.onToggle(() => (ui.isOpen() ? close() : open()));
    ui.onClose(close);
    ui.onSend(send);
    ui.onRestart(restart);
    if (cfg.open || state.open) open();
    if (HELD[state.control]) listen(); // a person had the conversation when the page left

    return { open, close, restart, send };
  }

  // ---------------------------------------------------------------- DOM (in a Shadow DOM)

  function render(cfg) {
    const host = document.createElement("div");
    host.setAttribute("data-openbrain-widget", VERSION);
    host.setAttribute("data-testid", "ob-widget");
    // The host page's CSS can reach the host element only: pin what matters with !important.
    host.style.cssText =
      "all:initial!important;display:block!important;position:fixed!important;" +
      "width:0!important;height:0!important;bottom:0!important;" +
      cfg.position + ":0!important;z-index:2147483000!important;";
    const root = host.attachShadow({ mode: "open" });
    const side = cfg.position;
    root.innerHTML =
      "<style>" +
      ":host{all:initial}" +
      "*{box-sizing:border-box}" +
      ".wrap{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24}" +
      ".bubble{position:fixed;bottom:20px;" + side + ":20px;width:56px;height:56px;border-radius:50%;border:0;" +
      "background:var(--ob-accent);color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);" +
      "display:flex;align-items:center;justify-content:center;padding:0}" +
      ".bubble:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
      ".bubble svg{width:28px;height:28px;fill:currentColor}" +
      ".panel{position:fixed;bottom:88px;" + side + ":20px;width:min(380px,calc(100vw - 40px));" +
      "height:min(560px,calc(100vh - 120px));background:#fff;border-radius:12px;" +
      "box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}" +
      ".panel[hidden]{display:none}" +
      "header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:var(--ob-accent);color:#fff}" +
      "header h2{flex:1;margin:0;font-size:15px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}" +
      "header button{background:transparent;border:0;color:#fff;cursor:pointer;font:inherit;padding:4px 6px;border-radius:4px}" +
      ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f7f9}" +
      ".msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}" +
      ".msg[data-role=user]{align-self:flex-end;background:var(--ob-accent);color:#fff;border-bottom-right-radius:4px}" +
      ".msg[data-role=assistant]{align-self:flex-start;background:#fff;border:1px solid #e1e4e8;border-bottom-left-radius:4px}" +
      ".msg[data-role=human_agent]{align-self:flex-start;background:#fff8e1;border:1px solid #f0d58c;border-bottom-left-radius:4px}" +
      ".msg[data-role=human_agent]::before{content:attr(data-speaker);display:block;font-size:11px;font-weight:600;color:#6b5200}" +
      ".status{margin:0;padding:6px 12px;background:#eef3ff;color:#1b3a8a;font-size:13px;border-top:1px solid #d5e0fb}" +
      ".status[hidden]{display:none}" +
      ".msg[data-streaming=true]:empty::after{content:'…';animation:ob-blink 1s infinite}" +
      "@keyframes ob-blink{50%{opacity:.3}}" +
      ".error{margin:0;padding:8px 12px;background:#fdecea;color:#8a1c12;border-top:1px solid #f5c2bd}" +
      ".error[hidden]{display:none}" +
      "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e1e4e8;background:#fff}" +
      "textarea{flex:1;resize:none;font:inherit;color:inherit;padding:8px;border:1px solid #c9ced6;border-radius:8px;height:40px;max-height:120px}" +
      "form button{border:0;border-radius:8px;padding:0 14px;background:var(--ob-accent);color:#fff;font:inherit;cursor:pointer}" +
      "form button:disabled,textarea:disabled{opacity:.55;cursor:not-allowed}" +
      ".sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
      "</style>" +
      '<div class="wrap">' +
      '<button class="bubble" type="button" data-testid="ob-bubble" aria-controls="ob-panel" aria-expanded="false" aria-label="Open chat">' +
      '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>' +
      "</button>" +
      '<section class="panel" id="ob-panel" data-testid="ob-panel" role="dialog" aria-modal="false" aria-labelledby="ob-title" hidden>' +
      '<header><h2 id="ob-title"></h2>' +
      '<button type="button" data-testid="ob-restart" aria-label="Start a new conversation" title="New conversation">↺</button>' +
      '<button type="button" data-testid="ob-close" aria-label="Close chat" title="Close">✕</button></header>' +
      '<div class="log" data-testid="ob-messages" role="log" aria-live="polite" aria-label="Conversation"></div>' +
      '<p class="status" data-testid="ob-status" role="status" hidden></p>' +
      '<p class="error" data-testid="ob-error" role="alert" hidden></p>' +
      '<form data-testid="ob-form" novalidate>' +
      '<label class="sr-only" for="ob-input">Message</label>' +
      '<textarea id="ob-input" data-testid="ob-input" rows="1" autocomplete="off"></textarea>' +
      '<button type="submit" data-testid="ob-send">Send</button>' +
      "</form></section></div>";

    const $ = (id) => root.querySelector('[data-testid="' + id + '"]');
    const wrap = root.querySelector(".wrap");
    wrap.style.setProperty("--ob-accent", cfg.color);
    const bubble = $("ob-bubble");
    const panel = $("ob-panel");
    const log = $("ob-messages");
    const error = $("ob-error");
    const status = $("ob-status");
    const form = $("ob-form");
    const input = $("ob-input");
    const sendButton = $("ob-send");
    root.getElementById("ob-title").textContent = cfg.title;
    input.placeholder = cfg.placeholder;
    input.maxLength = MAX_INPUT;
    document.body.appendChild(host);

    let disabled = false;
    const syncInput = (value) => {
      disabled = value;
      input.disabled = value;
      sendButton.disabled = value;
    };
    let busyNow = false;
    let refusedNow = false;
    const scroll = () => {
      log.scrollTop = log.scrollHeight;
    };

    const handlers = {};
    bubble.addEventListener("click", () => handlers.toggle && handlers.toggle());
    $("ob-close").addEventListener("click", () => handlers.close && handlers.close());
    $("ob-restart").addEventListener("click", () => handlers.restart && handlers.restart());
    panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && handlers.close) {
        handlers.close();
        bubble.focus();
      }
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!disabled && handlers.send) handlers.send(input.value);
    });
    input.addEventListener("keydown", (e) => {
      // Enter sends, Shift+Enter starts a new line; never interrupt an IME composition.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });

    return {
      onToggle: (f) => (handlers.toggle = f),
      onClose: (f) => (handlers.close = f),
      onSend: (f) => (handlers.send = f),
      onRestart: (f) => (handlers.restart = f),
      isOpen: () => !panel.hidden,
      setOpen(open) {
        panel.hidden = !open;
        bubble.setAttribute("aria-expanded", String(open));
        bubble.setAttribute("aria-label", open ? "Close chat" : "Open chat");
        if (open) {
          scroll();
          input.focus();
        }
      },
      setSession(id) {
        if (id) panel.setAttribute("data-session-id", id);
        else panel.removeAttribute("data-session-id");
      },
      setBusy(value) {
        busyNow = value;
        log.setAttribute("aria-busy", String(value));
        syncInput(busyNow || refusedNow);
      },
      setRefused(value) {
        refusedNow = value;
        panel.setAttribute("data-state", value ? "refused" : "ready");
        syncInput(busyNow || refusedNow);
      },
      setControl(control) {
        panel.setAttribute("data-control", control);
        status.textContent = NOTICES[control] || "";
        status.hidden = !NOTICES[control];
      },
      showError(message) {
        error.textContent = message || "";
        error.hidden = !message;
      },
      addMessage(role, text, streaming) {
        const el = document.createElement("div");
        el.className = "msg";
        el.setAttribute("data-testid", "ob-message");
        el.setAttribute("data-role", role);
        // Who speaks: a team member's messages carry a label (the assistant's need none).
        if (role === "human_agent") el.setAttribute("data-speaker", "Team member");
        el.textContent = text; // never HTML: answers and visitors' text are untrusted
        if (streaming) {
          el.setAttribute("data-streaming", "true");
          el.setAttribute("aria-busy", "true");
        }
        log.appendChild(el);
        scroll();
        return {
          append(more) {
            el.textContent += more;
            scroll();
          },
          finish(final) {
            if (typeof final === "string") el.textContent = final;
            el.removeAttribute("data-streaming");
            el.removeAttribute("aria-busy");
            scroll();
          },
          remove: () => el.remove(),
        };
      },
      clearMessages() {
        log.textContent = "";
      },
      clearInput() {
        input.value = "";
      },
      restoreInput(text) {
        if (!input.value) input.value = text;
      },
      focusInput() {
        if (!panel.hidden && !input.disabled) input.focus();
      },
    };
  }
})();
