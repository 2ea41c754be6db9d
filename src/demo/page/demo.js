// guardduty-notifier demo page: draws Slack Block Kit messages as Slack does. Plain JS, no framework, no network
// beyond this server. Every string shown comes from findings, which attackers control: the DOM is built with
// createElement/textContent only (no HTML strings are ever parsed), and links are made only for http(s) URLs.
(() => {
  'use strict';

  const MAX_SHOWN = 200;
  const MAX_DECISIONS = 150;
  const MAX_INPUT = 1024 * 1024;
  const BAND_COLORS = { Critical: '#7b0000', High: '#d93f0b', Medium: '#e3b341', Low: '#2f80ed' };
  // Drawn by demo.css (Slack draws emoji as images too), so they look right without an emoji font.
  const DRAWN = new Set(['red_circle', 'large_orange_circle', 'large_yellow_circle', 'large_blue_circle', 'white_circle',
    'test_tube', 'rotating_light', 'repeat', 'arrow_up', 'alarm_clock', 'file_cabinet']);
  const EMOJI = {
    warning: '⚠️', lock: '🔒', unlock: '🔓', mag: '🔍', bell: '🔔', no_bell: '🔕', chart_with_upwards_trend: '📈',
    package: '📦', shield: '🛡️', link: '🔗', white_check_mark: '✅', x: '❌', hourglass: '⏳', information_source: 'ℹ️',
    key: '🔑', cloud: '☁️', computer: '💻', globe_with_meridians: '🌐', zap: '⚡', fire: '🔥', eyes: '👀', mute: '🔇',
    no_entry_sign: '🚫', no_entry: '⛔', loud_sound: '🔊', hourglass_flowing_sand: '⏳', outbox_tray: '📤',
  };

  const $ = (id) => document.getElementById(id);
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  const decode = (s) => s.replace(/&(amp|lt|gt);/g, (_, n) => (n === 'amp' ? '&' : n === 'lt' ? '<' : '>'));

  /** Appends text, turning `:name:` emoji codes into emoji as Slack does. */
  function appendText(parent, text) {
    const parts = String(text).split(/:([a-z0-9_+-]+):/);
    parts.forEach((part, i) => {
      if (i % 2 === 0) {
        if (part) parent.appendChild(document.createTextNode(part));
      } else if (DRAWN.has(part)) {
        const span = el('span', 'emoji');
        span.dataset.e = part;
        span.title = `:${part}:`;
        span.setAttribute('role', 'img');
        span.setAttribute('aria-label', part.replace(/_/g, ' '));
        parent.appendChild(span);
      } else {
        parent.appendChild(document.createTextNode(Object.hasOwn(EMOJI, part) ? EMOJI[part] : `:${part}:`));
      }
    });
    return parent;
  }
  const isWord = (ch) => ch !== undefined && /[A-Za-z0-9]/.test(ch);

  function safeUrl(text) {
    try {
      const url = new URL(text);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
    } catch {
      return undefined;
    }
  }

  // ---- mrkdwn -------------------------------------------------------------------------------------------------------

  /** `<...>`: links (http/https only), mentions and dates; anything else stays literal text. */
  function renderControl(inner, raw, parent) {
    const bar = inner.indexOf('|');
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? undefined : inner.slice(bar + 1);
    const url = /^https?:\/\//i.test(target) ? safeUrl(decode(target)) : undefined;
    if (url) {
      const a = el('a', null, decode(label || target));
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      parent.appendChild(a);
      return;
    }
    if (/^!(here|channel|everyone)$/.test(target)) return void parent.appendChild(el('span', 'mention', `@${target.slice(1)}`));
    if (/^[@#][A-Z0-9]+$/.test(target)) return void parent.appendChild(el('span', 'mention', label ? `${target[0]}${decode(label)}` : target));
    if (/^!(date|subteam)\^/.test(target) && label) return void parent.appendChild(el('span', null, decode(label)));
    parent.appendChild(document.createTextNode(decode(raw)));
  }

  /** Where the closing marker of `*bold*`, `_italic_` or `~strike~` opened at `i` is, or -1 (Slack's word-boundary rules). */
  function closing(s, i, mark) {
    if (isWord(s[i - 1]) || s[i + 1] === undefined || s[i + 1] === ' ' || s[i + 1] === mark) return -1;
    for (let j = i + 2; j < s.length; j += 1) {
      if (s[j] === mark && s[j - 1] !== ' ' && !isWord(s[j + 1])) return j;
    }
    return -1;
  }

  function renderInline(s, parent) {
    let buf = '';
    const flush = () => {
      if (buf) appendText(parent, decode(buf));
      buf = '';
    };
    let i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c === '<') {
        const end = s.indexOf('>', i + 1);
        if (end > i && !s.slice(i + 1, end).includes('<')) {
          flush();
          renderControl(s.slice(i + 1, end), s.slice(i, end + 1), parent);
          i = end + 1;
          continue;
        }
      } else if (c === '`') {
        const end = s.indexOf('`', i + 1);
        if (end > i + 1) {
          flush();
          parent.appendChild(el('code', null, decode(s.slice(i + 1, end))));
          i = end + 1;
          continue;
        }
      } else if (c === '*' || c === '_' || c === '~') {
        const end = closing(s, i, c);
        if (end > 0) {
          flush();
          const node = el(c === '*' ? 'b' : c === '_' ? 'i' : 's');
          renderInline(s.slice(i + 1, end), node);
          parent.appendChild(node);
          i = end + 1;
          continue;
        }
      }
      buf += c;
      i += 1;
    }
    flush();
  }

  function renderMrkdwn(text, parent) {
    const box = el('div', 'mrkdwn');
    String(text).split('```').forEach((part, index) => {
      if (index % 2 === 1) return void box.appendChild(el('pre', null, decode(part.replace(/^\n|\n$/g, ''))));
      let quote = null;
      part.split('\n').forEach((line, n, lines) => {
        const quoted = line.startsWith('>');
        if (quoted) {
          if (!quote) box.appendChild((quote = el('blockquote')));
          if (quote.childNodes.length) quote.appendChild(document.createTextNode('\n'));
          renderInline(line.replace(/^> ?/, ''), quote);
          return;
        }
        quote = null;
        renderInline(line, box);
        if (n < lines.length - 1) box.appendChild(document.createTextNode('\n'));
      });
    });
    parent.appendChild(box);
    return box;
  }

  function renderText(obj, parent) {
    if (!obj || typeof obj.text !== 'string') return;
    if (obj.type === 'mrkdwn') return renderMrkdwn(obj.text, parent);
    return parent.appendChild(appendText(el('div', 'mrkdwn'), decode(obj.text)));
  }

  // ---- Block Kit ----------------------------------------------------------------------------------------------------

  // ---- Buttons: a click goes to the demo's own notifier (POST /api/actions), as Slack would send it to ours ------------

  /** Posts one click; the message is rewritten through the live feed ("update"), a refusal is shown under it. */
  async function click(ctx, actionId, choice) {
    if (!ctx || ctx.seq === undefined || typeof actionId !== 'string') return;
    ctx.note('…', 'pending');
    try {
      const res = await fetch('/api/actions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ seq: ctx.seq, actionId, ...choice }),
      });
      const answer = await res.json();
      if (!answer.ok) ctx.note(String(answer.error || 'not done'), 'error');
      else if (answer.told) ctx.note(`Only visible to you: ${decode(answer.told)}`, 'ephemeral');
      else ctx.note('', '');
    } catch {
      ctx.note('the demo did not answer', 'error');
    }
  }

  function renderButton(button, ctx) {
    const label = decode((button.text && button.text.text) || 'Button');
    const style = button.style === 'primary' || button.style === 'danger' ? ` ${button.style}` : '';
    const url = typeof button.url === 'string' ? safeUrl(button.url) : undefined;
    if (url) {
      const a = appendText(el('a', `sbtn${style}`), label);
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      return a;
    }
    const b = appendText(el('button', `sbtn${style}`), label);
    b.type = 'button';
    if (ctx && typeof button.action_id === 'string') {
      b.title = 'Runs the action in the demo, as a click in Slack would (nothing leaves this machine).';
      b.addEventListener('click', () => click(ctx, button.action_id, typeof button.value === 'string' ? { value: button.value } : {}));
    } else {
      b.title = 'In Slack this button calls the notifier (interactivity); the preview only shows it.';
    }
    return b;
  }

  /** A static_select (Block IP, Mute similar, Mute type): a menu that runs the action on choosing an option. */
  function renderSelect(menu, ctx) {
    const select = el('select', 'sselect');
    const placeholder = el('option', null, decode((menu.placeholder && menu.placeholder.text) || 'Choose'));
    placeholder.value = '';
    placeholder.disabled = true;
    placeholder.selected = true;
    select.appendChild(placeholder);
    for (const option of Array.isArray(menu.options) ? menu.options : []) {
      if (!option || typeof option.value !== 'string') continue;
      const o = el('option', null, decode((option.text && option.text.text) || option.value));
      o.value = option.value;
      select.appendChild(o);
    }
    if (ctx && typeof menu.action_id === 'string') {
      select.addEventListener('change', () => {
        if (select.value) click(ctx, menu.action_id, { option: select.value });
      });
    } else {
      select.disabled = true;
    }
    return select;
  }

  function renderBlocks(blocks, parent, ctx) {
    for (const block of Array.isArray(blocks) ? blocks : []) {
      if (!block || typeof block !== 'object') continue;
      switch (block.type) {
        case 'header':
          parent.appendChild(appendText(el('div', 'b-header'), decode((block.text && block.text.text) || '')));
          break;
        case 'section': {
          const section = el('div', 'b-section');
          const main = el('div');
          renderText(block.text, main);
          if (Array.isArray(block.fields) && block.fields.length) {
            const fields = el('div', 'b-fields');
            for (const field of block.fields) renderText(field, fields.appendChild(el('div', 'field')));
            main.appendChild(fields);
          }
          section.appendChild(main);
          if (block.accessory && block.accessory.type === 'button') {
            section.classList.add('with-accessory');
            section.appendChild(renderButton(block.accessory, ctx));
          }
          parent.appendChild(section);
          break;
        }
        case 'context': {
          const context = el('div', 'b-context');
          for (const item of block.elements || []) {
            if (item && item.type === 'image') context.appendChild(el('span', null, item.alt_text || ''));
            else if (item) renderText(item, context.appendChild(el('span')));
          }
          parent.appendChild(context);
          break;
        }
        case 'divider':
          parent.appendChild(el('hr', 'b-divider'));
          break;
        case 'actions': {
          const actions = el('div', 'b-actions');
          for (const item of block.elements || []) {
            if (item && item.type === 'button') actions.appendChild(renderButton(item, ctx));
            else if (item && item.type === 'static_select') actions.appendChild(renderSelect(item, ctx));
          }
          parent.appendChild(actions);
          break;
        }
        default:
          parent.appendChild(el('div', 'b-unknown', `(${String(block.type)} block)`));
      }
    }
  }

  function bandOf(attributes, source) {
    const named = attributes && (attributes.band || attributes.severityBand || attributes.severity_band);
    if (named) return String(named);
    const finding = source && (source.detail || source);
    const s = finding && Number(finding.severity);
    if (!Number.isFinite(s) || s <= 0) return '';
    return s >= 9 ? 'Critical' : s >= 7 ? 'High' : s >= 4 ? 'Medium' : 'Low';
  }

  function jsonBox(title, value) {
    const box = el('section');
    box.appendChild(el('h4', null, title));
    box.appendChild(el('pre', null, JSON.stringify(value, null, 2)));
    return box;
  }

  /**
   * The message's Teams card, drawn on demand by Microsoft's own Adaptive Cards renderer (served at
   * /vendor/adaptivecards.min.js). Its markdown hook is left unset, so card text is drawn as plain text: finding text
   * never becomes a link or formatting here, as in the card the pipeline posts (render/teams-card.ts).
   */
  function teamsPane(card) {
    const details = el('details', 'teams');
    details.appendChild(el('summary', null, 'Teams'));
    details.addEventListener('toggle', () => {
      if (!details.open || details.querySelector('.teams-card, .teams-error')) return;
      const ac = globalThis.AdaptiveCards;
      if (!ac || typeof ac.AdaptiveCard !== 'function') {
        details.appendChild(el('p', 'teams-error', 'The Adaptive Cards renderer did not load.'));
        return;
      }
      try {
        const adaptive = new ac.AdaptiveCard();
        adaptive.parse(card);
        const drawn = adaptive.render();
        const box = el('div', 'teams-card');
        if (drawn) box.appendChild(drawn);
        details.appendChild(box);
      } catch (e) {
        details.appendChild(el('p', 'teams-error', `Could not draw the Teams card: ${e && e.message ? e.message : e}`));
      }
    });
    return details;
  }

  /** One Slack message: avatar, name, APP badge, time, the blocks and attachments, and a JSON expander. */
  function renderMessage(item) {
    const slack = item.slack || {};
    const li = el('li', 'msg');
    const band = bandOf(item.attributes, item.source);
    li.dataset.kind = item.kind || '';
    if (band) li.dataset.band = band;
    if (item.seq !== undefined) li.dataset.seq = String(item.seq);
    const avatar = el('img', 'avatar');
    avatar.src = '/favicon.svg';
    avatar.alt = '';
    li.appendChild(avatar);
    const body = el('div', 'body');
    const head = el('div', 'msg-head');
    head.appendChild(el('span', 'sender', 'GuardDuty Notifier'));
    head.appendChild(el('span', 'app', 'APP'));
    const when = new Date(item.receivedAt || Date.now());
    head.appendChild(el('time', 'time', when.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' })));
    if (item.kind) {
      const kind = el('span', 'kind', item.kind);
      kind.dataset.kind = item.kind;
      kind.title = 'What the policy decided (not part of the Slack message)';
      head.appendChild(kind);
    }
    body.appendChild(head);
    // Live messages (with a seq) have working buttons; a preview's only show them.
    const note = el('div', 'action-note');
    note.hidden = true;
    const ctx =
      item.seq === undefined || item.kind === 'preview'
        ? undefined
        : {
            seq: item.seq,
            note(text, state) {
              note.textContent = text;
              note.dataset.state = state;
              note.hidden = text === '';
            },
          };
    // Slack shows `text` only when there are no top-level blocks; with blocks it is the notification fallback.
    if (Array.isArray(slack.blocks) && slack.blocks.length) renderBlocks(slack.blocks, body, ctx);
    else if (typeof slack.text === 'string' && slack.text) renderMrkdwn(slack.text, body);
    for (const attachment of Array.isArray(slack.attachments) ? slack.attachments : []) {
      const box = el('div', 'attachment');
      const bar = box.appendChild(el('span', 'bar'));
      const color = typeof attachment.color === 'string' && /^#[0-9a-f]{3,8}$/i.test(attachment.color) ? attachment.color : (Object.hasOwn(BAND_COLORS, band) ? BAND_COLORS[band] : undefined);
      if (color) bar.style.backgroundColor = color; // CSSOM, allowed by style-src 'self'
      if (Array.isArray(attachment.blocks) && attachment.blocks.length) renderBlocks(attachment.blocks, box, ctx);
      else if (attachment.text || attachment.fallback) renderMrkdwn(attachment.text || attachment.fallback, box);
      body.appendChild(box);
    }
    body.appendChild(note);
    if (item.teams) body.appendChild(teamsPane(item.teams));
    const details = el('details', 'raw');
    details.appendChild(el('summary', null, 'Show JSON'));
    details.addEventListener('toggle', () => {
      if (!details.open || details.querySelector('.raw-grid')) return;
      const grid = el('div', 'raw-grid');
      grid.appendChild(jsonBox('Slack payload', slack));
      if (item.teams) grid.appendChild(jsonBox('Teams card', item.teams));
      grid.appendChild(jsonBox(item.source === undefined ? 'Findings' : 'Source finding', item.source === undefined ? item.findingIds || [] : item.source));
      details.appendChild(grid);
    });
    body.appendChild(details);
    li.appendChild(body);
    return li;
  }

  // ---- Inbox (live) -------------------------------------------------------------------------------------------------

  const list = $('messages');
  const shown = new Map(); // seq → { id, node }
  let newestSource;

  function updateCount() {
    $('empty').hidden = shown.size > 0;
    $('count').textContent = shown.size ? `${shown.size} message${shown.size === 1 ? '' : 's'}` : '';
  }

  function addMessage(item) {
    if (shown.has(item.seq)) return;
    const node = renderMessage(item);
    shown.set(item.seq, { id: item.id, node });
    let before = null;
    for (const child of list.children) {
      if (Number(child.dataset.seq) < item.seq) {
        before = child;
        break;
      }
    }
    list.insertBefore(node, before);
    while (list.children.length > MAX_SHOWN) {
      const last = list.lastElementChild;
      shown.delete(Number(last.dataset.seq));
      last.remove();
    }
    if (item.source !== undefined && (!newestSource || item.seq > newestSource.seq)) newestSource = { seq: item.seq, source: item.source };
    updateCount();
  }

  /** A message rewritten after a click (what chat.update does in Slack): drawn again in its place. */
  function updateMessage(item) {
    const current = shown.get(item.seq);
    if (!current) return;
    const node = renderMessage(item);
    current.node.replaceWith(node);
    shown.set(item.seq, { id: item.id, node });
  }

  const statLabels = [['notified', 'Sent'], ['suppressed', 'Suppressed'], ['digested', 'Digested'], ['findings', 'Findings']];
  function renderStats(stats) {
    const dl = $('stats');
    dl.textContent = '';
    for (const [key, label] of statLabels) {
      const box = el('div');
      box.dataset.stat = key;
      box.appendChild(el('dt', null, label));
      box.appendChild(el('dd', null, (stats && stats[key]) || 0));
      dl.appendChild(box);
    }
  }

  const OUTCOME_LABEL = { notify: 'sent', suppress: 'suppressed', digest: 'digested' };
  function renderDecision(d) {
    const li = el('li');
    const badge = el('span', 'outcome', OUTCOME_LABEL[d.outcome] || d.outcome);
    badge.dataset.outcome = d.outcome;
    li.dataset.outcome = d.outcome;
    li.appendChild(badge);
    // The band the decision recorded (an OCSF finding has one and no number), else its number's.
    const band = (typeof d.band === 'string' && d.band) || bandOf(null, d) || 'Unknown';
    const number = typeof d.severity === 'number' ? ` ${d.severity.toFixed(1)}` : '';
    li.appendChild(el('span', 'reason', `${d.reason} · ${band}${number}`));
    li.appendChild(el('span', 'dtitle', d.title || d.findingType));
    return li;
  }

  function addDecisions(decisions, atTop) {
    const ol = $('decision-list');
    const nodes = decisions.map(renderDecision);
    if (atTop) for (const node of nodes.reverse()) ol.insertBefore(node, ol.firstChild);
    else for (const node of nodes) ol.appendChild(node);
    while (ol.children.length > MAX_DECISIONS) ol.lastElementChild.remove();
  }

  function applySnapshot(snapshot) {
    // A restarted demo numbers its messages from 1 again: start over rather than mix two runs.
    const stale = (snapshot.messages || []).some((m) => shown.has(m.seq) && shown.get(m.seq).id !== m.id);
    if (stale || !(snapshot.messages || []).length) {
      list.textContent = '';
      shown.clear();
    }
    for (const m of snapshot.messages || []) addMessage(m);
    $('decision-list').textContent = '';
    addDecisions(snapshot.decisions || [], false);
    renderStats(snapshot.stats);
    updateCount();
  }

  function setStatus(state, text) {
    const status = $('status');
    status.dataset.state = state;
    status.textContent = text;
  }

  function connect() {
    if (!window.EventSource) return setStatus('off', 'live updates unavailable');
    const source = new EventSource('/events');
    source.addEventListener('open', () => setStatus('live', 'live'));
    source.addEventListener('error', () => setStatus('connecting', 'reconnecting…'));
    source.addEventListener('snapshot', (e) => applySnapshot(JSON.parse(e.data)));
    source.addEventListener('message', (e) => addMessage(JSON.parse(e.data)));
    source.addEventListener('update', (e) => updateMessage(JSON.parse(e.data)));
    source.addEventListener('decisions', (e) => {
      const data = JSON.parse(e.data);
      addDecisions(data.decisions || [], true);
      renderStats(data.stats);
    });
  }

  // ---- Preview ------------------------------------------------------------------------------------------------------

  const input = $('input');
  const out = $('preview-out');
  let pending = 0;
  let timer;

  function showErrors(title, errors) {
    const box = el('div', 'error');
    box.setAttribute('role', 'alert');
    box.appendChild(el('strong', null, title));
    const ul = box.appendChild(el('ul'));
    for (const e of errors) {
      const li = ul.appendChild(el('li'));
      if (e.path) li.appendChild(el('code', null, e.path));
      li.appendChild(document.createTextNode(`${e.path ? ' ' : ''}${e.message}`));
    }
    out.appendChild(box);
  }

  async function renderPreview() {
    clearTimeout(timer);
    const text = input.value;
    const ticket = ++pending;
    if (!text.trim()) return void (out.textContent = '');
    if (text.length > MAX_INPUT) {
      out.textContent = '';
      return showErrors('Too large to preview', [{ path: '$', message: `input is larger than ${MAX_INPUT} bytes` }]);
    }
    let result;
    try {
      const res = await fetch('/api/preview', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text });
      result = await res.json();
    } catch (error) {
      result = { ok: false, errors: [{ path: '', message: `the demo server did not answer (${error.message})` }] };
    }
    if (ticket !== pending) return; // a newer edit is on its way
    out.textContent = '';
    if (!result.ok) return showErrors('Not a finding this notifier can read', result.errors || []);
    for (const m of result.messages || []) out.appendChild(renderMessage({ slack: m.slack, attributes: m.attributes, teams: m.teams, source: m.finding, kind: 'preview' }));
    if (result.errors && result.errors.length) showErrors('Some parts were not findings', result.errors);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(renderPreview, 350);
  }

  async function loadFile(file) {
    if (!file) return;
    if (file.size > MAX_INPUT) {
      out.textContent = '';
      return showErrors('Too large to preview', [{ path: file.name, message: `the file is larger than ${MAX_INPUT} bytes` }]);
    }
    input.value = await file.text();
    renderPreview();
  }

  function setupPreview() {
    input.addEventListener('input', schedule);
    input.addEventListener('paste', () => setTimeout(renderPreview, 0));
    $('render').addEventListener('click', renderPreview);
    $('file').addEventListener('change', (e) => loadFile(e.target.files && e.target.files[0]));
    $('use-newest').addEventListener('click', () => {
      if (!newestSource) return;
      input.value = JSON.stringify(newestSource.source, null, 2);
      renderPreview();
    });
    const drop = $('drop');
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (file) return void loadFile(file);
      const text = e.dataTransfer && e.dataTransfer.getData('text');
      if (text) {
        input.value = text;
        renderPreview();
      }
    });
  }

  // ---- Tabs ---------------------------------------------------------------------------------------------------------

  function showTab(name) {
    const tab = name === 'preview' ? 'preview' : 'inbox';
    document.body.dataset.tab = tab;
    $('inbox').hidden = tab !== 'inbox';
    $('preview').hidden = tab !== 'preview';
    for (const button of document.querySelectorAll('.tab')) button.setAttribute('aria-pressed', String(button.dataset.tab === tab));
    if (tab === 'preview') input.focus({ preventScroll: true });
  }

  for (const button of document.querySelectorAll('.tab')) {
    button.addEventListener('click', () => {
      history.replaceState(null, '', `#${button.dataset.tab}`);
      showTab(button.dataset.tab);
    });
  }
  window.addEventListener('hashchange', () => showTab(location.hash.slice(1)));

  renderStats();
  setupPreview();
  showTab(location.hash.slice(1));
  connect();
})();
