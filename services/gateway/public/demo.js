// Socketpot demo page: the protocol of the announcement post, made visible.
// Plain browser JavaScript on the socket.io client that the gateway serves.
// Every text that comes from a user or the server is rendered with textContent.
(function () {
  "use strict";

  const DEFAULT_CHANNELS = ["lobby", "support"];
  const CHANNEL_PATTERN = /^[a-z0-9_:-]{1,40}$/;
  const TEXT_MAX_LENGTH = 300;
  const MAX_MESSAGES_PER_CHANNEL = 200;
  const MAX_BETS = 50;
  const MAX_LOG = 200;
  const ROLE_ORDER = { OWNER: 0, MOD: 1, MEMBER: 2 };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  };

  const ui = {
    status: $("status"),
    whoami: $("whoami"),
    connectForm: $("connect-form"),
    appId: $("app-id"),
    token: $("token"),
    demoUsers: $("demo-users"),
    demoUsersNote: $("demo-users-note"),
    connectButton: $("connect-button"),
    disconnectButton: $("disconnect-button"),
    tabs: $("channel-tabs"),
    messages: $("messages"),
    userlist: $("userlist"),
    userCount: $("user-count"),
    chatForm: $("chat-form"),
    chatInput: $("chat-input"),
    chatSend: $("chat-send"),
    chatError: $("chat-error"),
    channelForm: $("channel-form"),
    channelInput: $("channel-input"),
    unconfirmed: $("unconfirmed"),
    confirmed: $("confirmed"),
    balanceLog: $("balance-log"),
    depositsRecovered: $("deposits-recovered"),
    betsBody: document.querySelector("#bets-table tbody"),
    sendInvalid: $("send-invalid"),
    eventLog: $("event-log"),
  };

  const state = {
    socket: null,
    user: null,
    subscriptions: [],
    channel: DEFAULT_CHANNELS[0],
    /** channel -> { messages: MessageObject[], unread: number, tab: HTMLElement } */
    channels: new Map(),
    seenMessageIds: new Set(),
    userlist: new Map(),
    seenBetIds: new Set(),
  };

  // ---------------------------------------------------------------- formatting

  function formatBits(satoshis) {
    const bits = satoshis / 100;
    return bits.toLocaleString("en-US", { maximumFractionDigits: 2 }) + " bits";
  }

  function formatSignedBits(satoshis) {
    return (satoshis > 0 ? "+" : satoshis < 0 ? "−" : "") + formatBits(Math.abs(satoshis));
  }

  function formatTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString("en-GB");
  }

  // ---------------------------------------------------------------- event log

  function logEvent(kind, text) {
    const item = el("li", "log-" + kind);
    item.append(el("time", "", new Date().toLocaleTimeString("en-GB")), el("span", "log-kind", kind), el("span", "log-text", text));
    ui.eventLog.prepend(item);
    while (ui.eventLog.childElementCount > MAX_LOG) ui.eventLog.lastElementChild.remove();
  }

  function setStatus(stateName, text) {
    ui.status.dataset.state = stateName;
    ui.status.textContent = text;
  }

  // ---------------------------------------------------------------- chat

  function channelEntry(name) {
    let entry = state.channels.get(name);
    if (entry) return entry;
    const tab = el("button", "tab");
    tab.type = "button";
    tab.dataset.channel = name;
    tab.append(el("span", "tab-name", "#" + name), el("span", "unread"));
    tab.addEventListener("click", () => selectChannel(name));
    ui.tabs.append(tab);
    entry = { messages: [], unread: 0, tab };
    state.channels.set(name, entry);
    return entry;
  }

  function updateTab(entry, name) {
    entry.tab.classList.toggle("active", name === state.channel);
    entry.tab.querySelector(".unread").textContent = entry.unread > 0 ? String(entry.unread) : "";
  }

  function selectChannel(name) {
    const entry = channelEntry(name);
    state.channel = name;
    entry.unread = 0;
    for (const [other, e] of state.channels) updateTab(e, other);
    ui.messages.replaceChildren(...entry.messages.map(renderMessage));
    ui.messages.scrollTop = ui.messages.scrollHeight;
    ui.chatInput.placeholder = "Message #" + name + ", or /mute uname 10m";
  }

  function resetChat() {
    state.channels.clear();
    state.seenMessageIds.clear();
    ui.tabs.replaceChildren();
    for (const name of DEFAULT_CHANNELS) channelEntry(name);
    selectChannel(DEFAULT_CHANNELS[0]);
  }

  function renderMessage(message) {
    const system = !message.user;
    const item = el("li", system ? "msg msg-system" : "msg msg-user role-" + message.user.role.toLowerCase());
    item.dataset.id = String(message.id);
    item.append(el("time", "msg-time", formatTime(message.created_at)));
    if (system) {
      item.append(el("span", "msg-author", "system"));
    } else {
      const author = el("span", "msg-author", message.user.uname);
      if (message.user.role !== "MEMBER") author.append(el("span", "role-badge", message.user.role.toLowerCase()));
      item.append(author);
    }
    item.append(el("span", "msg-text", message.text));
    return item;
  }

  function addMessage(message) {
    if (message.id !== undefined) {
      if (state.seenMessageIds.has(message.id)) return;
      state.seenMessageIds.add(message.id);
    }
    const name = message.channel || DEFAULT_CHANNELS[0];
    const entry = channelEntry(name);
    entry.messages.push(message);
    if (entry.messages.length > MAX_MESSAGES_PER_CHANNEL) entry.messages.shift();
    if (name === state.channel) {
      const nearBottom = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 40;
      ui.messages.append(renderMessage(message));
      if (ui.messages.childElementCount > MAX_MESSAGES_PER_CHANNEL) ui.messages.firstElementChild.remove();
      if (nearBottom) ui.messages.scrollTop = ui.messages.scrollHeight;
    } else {
      entry.unread += 1;
      updateTab(entry, name);
    }
  }

  function canModerate() {
    return Boolean(state.user && (state.user.role === "OWNER" || state.user.role === "MOD"));
  }

  function renderUserlist() {
    const users = [...state.userlist.values()].sort(
      (a, b) => (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || a.uname.localeCompare(b.uname),
    );
    ui.userlist.replaceChildren(
      ...users.map((user) => {
        const item = el("li", "role-" + String(user.role).toLowerCase(), user.uname);
        item.dataset.uname = user.uname;
        if (canModerate() && state.user.uname !== user.uname) {
          item.classList.add("moderatable");
          item.title = "click to prepare /mute " + user.uname;
          item.addEventListener("click", () => {
            ui.chatInput.value = "/mute " + user.uname + " 10m";
            ui.chatInput.focus();
          });
        }
        if (user.role !== "MEMBER") item.append(el("span", "role-badge", String(user.role).toLowerCase()));
        return item;
      }),
    );
    ui.userCount.textContent = String(users.length);
  }

  function showChatError(code) {
    ui.chatError.textContent = code ? "Not sent: " + code : "";
  }

  function sendMessage(payload, onDone) {
    if (!state.socket) return;
    state.socket.emit("new_message", payload, (err, message) => {
      if (err) {
        showChatError(err);
        logEvent("error", "new_message callback: " + err);
        if (onDone) onDone(false);
        return;
      }
      showChatError("");
      if (message) addMessage(message);
      if (onDone) onDone(true);
    });
  }

  // ---------------------------------------------------------------- balances

  function updateBalance(node, kind, change) {
    node.dataset.satoshis = String(change.balance);
    node.textContent = formatBits(change.balance);
    node.classList.remove("flash");
    void node.offsetWidth; // restart the animation
    node.classList.add("flash");
    const item = el("li", "balance-" + kind);
    item.append(
      el("time", "", new Date().toLocaleTimeString("en-GB")),
      el("span", "", kind + " " + formatSignedBits(change.diff) + " → " + formatBits(change.balance)),
    );
    ui.balanceLog.prepend(item);
    while (ui.balanceLog.childElementCount > MAX_LOG) ui.balanceLog.lastElementChild.remove();
  }

  // The last deposit notification shown: a reconnect asks to recover what came after it.
  // `through` is the snapshot's seq of the last recovering auth: what arrives up to it was missed.
  const deposits = { known: false, seq: 0, through: 0, recovered: 0 };

  function depositsRecover() {
    return deposits.known ? { deposits_seq: deposits.seq } : undefined;
  }

  function applyDepositsSnapshot(snapshot) {
    if (!snapshot) return;
    const reconnect = deposits.known;
    // Trust the snapshot on the first auth, or when the server could not recover everything.
    if (!reconnect || snapshot.recovered !== true) {
      deposits.seq = snapshot.seq;
      ui.unconfirmed.dataset.satoshis = String(snapshot.unconfirmed_balance);
      ui.unconfirmed.textContent = formatBits(snapshot.unconfirmed_balance);
    }
    deposits.known = true;
    deposits.through = snapshot.seq;
    deposits.recovered = 0;
    if (reconnect) showRecovered(snapshot.recovered === true);
  }

  function showRecovered(complete) {
    ui.depositsRecovered.hidden = false;
    ui.depositsRecovered.dataset.recovered = String(deposits.recovered);
    ui.depositsRecovered.textContent = complete
      ? "reconnected: recovered " + deposits.recovered + " missed notification" + (deposits.recovered === 1 ? "" : "s")
      : "reconnected: some notifications were past retention; balances from the snapshot";
  }

  /** False for a notification already shown (the confirmed one comes under two names). */
  function takeDeposit(change) {
    if (change.seq <= deposits.seq) return false;
    deposits.seq = change.seq;
    if (change.seq <= deposits.through) {
      deposits.recovered++;
      showRecovered(true);
    }
    return true;
  }

  function resetBalances() {
    deposits.known = false;
    deposits.seq = 0;
    deposits.through = 0;
    ui.depositsRecovered.hidden = true;
    for (const node of [ui.unconfirmed, ui.confirmed]) {
      node.dataset.satoshis = "";
      node.textContent = "–";
    }
    ui.balanceLog.replaceChildren();
  }

  // ---------------------------------------------------------------- bets

  function betRow(bet) {
    const row = el("tr");
    row.dataset.id = String(bet.id);
    const payout = bet.wager > 0 ? (bet.wager + bet.profit) / bet.wager : 0;
    if (payout >= 100) row.className = "jackpot";
    const target = bet.cond && bet.target !== undefined ? bet.cond + " " + bet.target : "–";
    row.append(
      el("td", "", bet.id),
      el("td", "", bet.uname),
      el("td", "", bet.kind),
      el("td", "num", formatBits(bet.wager)),
      el("td", "num", target),
      el("td", "num", bet.outcome),
      el("td", "num", "×" + payout.toFixed(2)),
      el("td", "num " + (bet.profit >= 0 ? "win" : "loss"), formatSignedBits(bet.profit)),
    );
    return row;
  }

  function addBet(bet) {
    if (state.seenBetIds.has(bet.id)) return;
    state.seenBetIds.add(bet.id);
    ui.betsBody.prepend(betRow(bet));
    while (ui.betsBody.childElementCount > MAX_BETS) {
      state.seenBetIds.delete(Number(ui.betsBody.lastElementChild.dataset.id));
      ui.betsBody.lastElementChild.remove();
    }
  }

  function resetBets() {
    state.seenBetIds.clear();
    ui.betsBody.replaceChildren();
  }

  // ---------------------------------------------------------------- connection

  function selectedSubscriptions() {
    return [...document.querySelectorAll('input[name="sub"]:checked')].map((input) => input.value);
  }

  function setConnectedUi(connected) {
    ui.disconnectButton.disabled = !connected;
    const chatting = connected && state.subscriptions.includes("CHAT");
    ui.chatInput.disabled = !chatting;
    ui.chatSend.disabled = !chatting;
    ui.sendInvalid.disabled = !connected;
  }

  function applyAuthResponse(response) {
    state.user = response.user || null;
    state.subscriptions = response.subscriptions || [];
    ui.whoami.textContent = state.user
      ? "signed in as " + state.user.uname + " (" + state.user.role + ")"
      : "anonymous";
    ui.whoami.dataset.role = state.user ? state.user.role : "ANONYMOUS";
    resetChat();
    state.userlist.clear();
    if (response.chat) {
      for (const message of response.chat.messages) addMessage(message);
      for (const user of Object.values(response.chat.userlist)) state.userlist.set(user.uname, user);
      selectChannel(state.channel);
    }
    renderUserlist();
    resetBets();
    if (response.bets) for (const bet of response.bets) addBet(bet);
    setConnectedUi(true);
    setStatus("ready", "connected · " + (state.subscriptions.join(", ") || "no subscriptions"));
  }

  function disconnect() {
    if (!state.socket) return;
    state.socket.disconnect();
    state.socket = null;
    setConnectedUi(false);
    setStatus("idle", "not connected");
  }

  function connect(appId, accessToken, subscriptions) {
    disconnect();
    resetBalances();
    const socket = io({ forceNew: true });
    state.socket = socket;
    setStatus("connecting", "connecting…");

    socket.on("connect", () => {
      logEvent("info", "[socket] connected");
      const request = { app_id: appId, subscriptions };
      if (accessToken) request.access_token = accessToken;
      const recover = depositsRecover();
      if (recover) request.recover = recover;
      setStatus("connecting", "authenticating…");
      socket.emit("auth", request, (err, response) => {
        if (err) {
          logEvent("error", "auth callback: " + err);
          setStatus("error", "auth failed: " + err);
          return;
        }
        logEvent("info", "[auth] ok: " + (response.user ? response.user.uname + " " + response.user.role : "anonymous") +
          " · subscriptions " + JSON.stringify(response.subscriptions));
        applyAuthResponse(response);
        applyDepositsSnapshot(response.deposits);
      });
    });
    socket.on("disconnect", (reason) => {
      logEvent("info", "[socket] disconnected: " + reason);
      setConnectedUi(false);
      // Only a disconnect by either side is final; anything else the client retries by itself.
      if (reason === "io client disconnect") setStatus("idle", "not connected");
      else if (reason === "io server disconnect") setStatus("error", "disconnected by the server");
      else setStatus("reconnecting", "connection lost (" + reason + ") · reconnecting…");
    });
    socket.on("connect_error", (err) => logEvent("error", "[socket] connect error: " + err.message));
    socket.io.on("reconnect_attempt", (attempt) => {
      logEvent("info", "[socket] reconnecting (attempt " + attempt + ")…");
      setStatus("reconnecting", "reconnecting (attempt " + attempt + ")…");
    });
    socket.io.on("reconnect", () => logEvent("info", "[socket] reconnected"));

    socket.on("client_error", (text) => logEvent("client_error", text));

    socket.on("new_message", addMessage);
    socket.on("user_joined", (user) => {
      state.userlist.set(user.uname, user);
      renderUserlist();
      logEvent("info", "[user_joined] " + user.uname);
    });
    socket.on("user_left", (user) => {
      state.userlist.delete(user.uname);
      renderUserlist();
      logEvent("info", "[user_left] " + user.uname);
    });

    socket.on("unconfirmed_balance_change", (change) => {
      if (takeDeposit(change)) updateBalance(ui.unconfirmed, "unconfirmed", change);
    });
    // The server emits the confirmed change as both balance_change and confirmed_deposit_change.
    socket.on("balance_change", (change) => {
      if (takeDeposit(change)) updateBalance(ui.confirmed, "confirmed", change);
    });

    socket.on("new_bet", addBet);
  }

  // ---------------------------------------------------------------- wiring

  ui.connectForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const appId = Number(ui.appId.value);
    connect(appId, ui.token.value.trim() || undefined, selectedSubscriptions());
  });
  ui.disconnectButton.addEventListener("click", disconnect);

  ui.chatForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.chatInput.value.trim();
    if (!text) return;
    if (text.length > TEXT_MAX_LENGTH) {
      showChatError("text is longer than " + TEXT_MAX_LENGTH + " characters");
      return;
    }
    const channel = state.channel;
    sendMessage({ channel, text }, (ok) => {
      if (ok) ui.chatInput.value = "";
    });
  });

  ui.channelForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.channelInput.value.trim();
    if (!CHANNEL_PATTERN.test(name)) {
      showChatError("a channel is 1-40 chars of a-z 0-9 _ - :");
      return;
    }
    ui.channelInput.value = "";
    selectChannel(name);
  });

  ui.sendInvalid.addEventListener("click", () => {
    // Deliberately breaks the 300-char rule: the server answers with client_error and INVALID_REQUEST.
    sendMessage({ channel: state.channel, text: "x".repeat(TEXT_MAX_LENGTH + 1) });
  });

  function renderDemoUsers(demo) {
    ui.demoUsersNote.remove();
    if (demo.app_id) ui.appId.value = String(demo.app_id);
    const choices = demo.users.concat([{ uname: "anonymous", role: "ANONYMOUS", token: "" }]);
    for (const user of choices) {
      const button = el("button", "demo-user role-" + user.role.toLowerCase());
      button.type = "button";
      button.dataset.uname = user.uname;
      button.dataset.role = user.role;
      button.append(el("strong", "", user.role.toLowerCase()));
      if (user.role !== "ANONYMOUS") button.append(el("span", "", " " + user.uname));
      button.addEventListener("click", () => {
        for (const other of ui.demoUsers.querySelectorAll(".demo-user")) other.classList.toggle("selected", other === button);
        ui.token.value = user.token;
        ui.connectButton.click();
      });
      ui.demoUsers.append(button);
    }
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    return { appId: params.get("app_id"), token: params.get("token"), connect: params.has("app_id") };
  }

  async function init() {
    resetChat();
    const fromHash = readHash();
    try {
      const response = await fetch("demo.json", { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      renderDemoUsers(await response.json());
    } catch {
      ui.demoUsersNote.textContent = "No demo users on this server: paste an access token, or leave it empty to connect anonymously.";
    }
    if (fromHash.appId) ui.appId.value = fromHash.appId;
    if (fromHash.token) ui.token.value = fromHash.token;
    if (fromHash.connect) ui.connectButton.click();
  }

  if (typeof io !== "function") {
    setStatus("error", "socket.io client not loaded from /socket.io/socket.io.js");
    return;
  }
  init();
})();
