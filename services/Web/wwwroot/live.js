// Live parts of otherwise server-rendered pages; without scripts the pages still show everything on reload.
(() => {
  const panel = document.querySelector('[data-live-alerts]');
  if (panel && window.EventSource) {
    const list = panel.querySelector('ol');
    const state = panel.querySelector('[data-live-state]');
    const source = new EventSource(panel.dataset.source);
    source.addEventListener('open', () => {
      panel.dataset.live = 'connected';
      if (state) state.textContent = 'Live: new alerts appear here as they happen.';
    });
    source.addEventListener('error', () => {
      panel.dataset.live = 'reconnecting';
      if (state) state.textContent = 'Reconnecting to the alert feed…';
    });
    source.addEventListener('alert', (event) => {
      const alert = JSON.parse(event.data);
      const item = document.createElement('li');
      item.className = 'alert-item new';
      item.dataset.alertId = alert.alertId;
      item.dataset.predictionId = alert.predictionId;
      const title = document.createElement('strong');
      title.textContent = alert.headline || alert.title;
      const detail = document.createElement('span');
      detail.textContent = ' ' + (alert.detail || '') + ' ';
      const link = document.createElement('a');
      link.href = '/predictions/' + encodeURIComponent(alert.predictionId);
      link.textContent = alert.title;
      item.append(title, detail, link);
      list.prepend(item);
      const empty = panel.querySelector('[data-empty]');
      if (empty) empty.remove();
    });
  }

  // Lists that refresh themselves (triage): fetch the same page and swap the marked region.
  const refreshing = document.querySelector('[data-refresh-seconds]');
  if (refreshing) {
    const seconds = Number(refreshing.dataset.refreshSeconds) || 5;
    setInterval(async () => {
      if (document.activeElement && refreshing.contains(document.activeElement)) return;
      const response = await fetch(location.href, { headers: { 'X-Partial': 'yes' } });
      if (!response.ok) return;
      const html = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = html.querySelector('[data-refresh-seconds]');
      if (fresh) refreshing.innerHTML = fresh.innerHTML;
    }, seconds * 1000);
  }
})();

// Uploads report their progress when scripts run; without them the form posts as usual.
(() => {
  const form = document.querySelector('form[data-upload]');
  if (!form || !window.XMLHttpRequest) return;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const progress = form.querySelector('[data-upload-progress]');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action || location.href);
    xhr.upload.addEventListener('progress', (e) => {
      if (progress && e.lengthComputable) { progress.hidden = false; progress.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener('load', () => {
      const html = new DOMParser().parseFromString(xhr.responseText, 'text/html');
      const fresh = html.querySelector('form[data-upload]');
      if (fresh) { form.replaceWith(fresh); } else { document.documentElement.innerHTML = xhr.responseText; }
    });
    xhr.send(new FormData(form));
  });
})();

// Tabs (triage): links to ?tab= without scripts; with them, one tab stop (arrow keys, Home and End move
// between tabs, as WAI-ARIA's tabs pattern has it), switched in place, the address kept in step so the
// refreshing list above fetches the same tab.
(() => {
  const list = document.querySelector('[data-tabs]');
  if (!list) return;
  const tabs = [...list.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(t.getAttribute('aria-controls'));
      if (panel) panel.hidden = !on;
    }
    history.replaceState(null, '', tab.getAttribute('href'));
    if (focus) tab.focus();
  };
  for (const t of tabs) t.tabIndex = t.getAttribute('aria-selected') === 'true' ? 0 : -1;
  list.addEventListener('click', (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (!tab) return;
    event.preventDefault();
    select(tab, true);
  });
  list.addEventListener('keydown', (event) => {
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(tabs[(next + tabs.length) % tabs.length], true);
  });
})();
