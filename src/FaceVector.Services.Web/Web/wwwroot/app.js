// FaceVector search page: plain JavaScript over the HTTP API of docs/web.md.
'use strict';

const $ = (selector) => document.querySelector(selector);
const state = { file: null, faces: [], face: null, width: 0, height: 0, searchTimer: 0, searchSeq: 0 };

// --- API calls; on 401 the page asks for the key once, sets it as a cookie (POST /api/session) and retries.
async function api(path, options = {}, retried = false) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  if (response.status === 401 && !retried) {
    await askKey();
    return api(path, options, true);
  }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body?.error ?? `${response.status} ${response.statusText}`);
  }
  return body;
}

function askKey() {
  const dialog = $('#key-dialog');
  return new Promise((resolve, reject) => {
    dialog.addEventListener('close', async () => {
      const key = $('#key').value;
      $('#key').value = '';
      const response = await fetch('/api/session', { method: 'POST', headers: { 'x-api-key': key } });
      response.ok ? resolve() : reject(new Error('wrong API key'));
    }, { once: true });
    dialog.showModal();
  });
}

function setStatus(text, isError = false) {
  const status = $('#status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

// Boxes are placed in percent of the upright image, so they follow the photo whatever size it is shown at.
function placeBox(element, box, width, height) {
  element.style.left = `${(100 * box[0]) / width}%`;
  element.style.top = `${(100 * box[1]) / height}%`;
  element.style.width = `${(100 * (box[2] - box[0])) / width}%`;
  element.style.height = `${(100 * (box[3] - box[1])) / height}%`;
}

// --- Choosing a photo and a face.
async function usePhoto(file) {
  if (!file) return;
  state.file = file;
  state.faces = [];
  $('#matches').replaceChildren();
  $('#faces').replaceChildren();
  $('#photo').src = URL.createObjectURL(file);
  $('#probe').hidden = false;
  $('#photo-caption').textContent = file.name;
  setStatus('Finding faces…');
  try {
    const form = new FormData();
    form.append('image', file, file.name);
    const detected = await api('/api/detect', { method: 'POST', body: form });
    Object.assign(state, { faces: detected.faces, width: detected.width, height: detected.height });
    $('#photo-caption').textContent = `${file.name}: ${detected.width}×${detected.height}, ${detected.faces.length} face(s)`;
    drawFaces();
    chooseFace(detected.largest);
  } catch (error) {
    setStatus(error.message, true);
  }
}

function drawFaces() {
  const layer = $('#faces');
  layer.replaceChildren(...state.faces.map((face) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'face';
    button.dataset.index = face.index;
    button.title = `face ${face.index} (detector score ${face.score.toFixed(2)})`;
    const label = document.createElement('span');
    label.textContent = face.index;
    button.append(label);
    placeBox(button, face.box, state.width, state.height);
    button.addEventListener('click', () => chooseFace(face.index));
    return button;
  }));
}

function chooseFace(index) {
  state.face = index;
  for (const button of document.querySelectorAll('.face')) {
    button.classList.toggle('selected', Number(button.dataset.index) === index);
  }
  search();
}

// --- Searching: every change of face, threshold or count searches again (the slider waits for a pause).
async function search() {
  if (!state.file || state.face === null) return;
  const seq = ++state.searchSeq;
  const form = new FormData();
  form.append('image', state.file, state.file.name);
  form.append('face', state.face);
  form.append('threshold', $('#threshold').value);
  form.append('top', $('#top').value);
  setStatus('Searching…');
  try {
    const result = await api('/api/search', { method: 'POST', body: form });
    if (seq !== state.searchSeq) return; // a newer search is on its way
    showMatches(result);
  } catch (error) {
    if (seq === state.searchSeq) setStatus(error.message, true);
  }
}

function searchSoon() {
  clearTimeout(state.searchTimer);
  state.searchTimer = setTimeout(search, 250);
}

function showMatches(result) {
  setStatus(`${result.matches.length} match(es) above ${result.threshold.toFixed(2)} for face ${result.probe.index}, best first`);
  $('#matches').replaceChildren(...result.matches.map((match) => {
    const thumb = document.createElement('div');
    thumb.className = 'thumb';
    thumb.append(thumbnailImage(match.thumbnail, match.imagePath));
    if (match.imageWidth > 0) {
      const box = document.createElement('div');
      box.className = 'box';
      placeBox(box, match.box, match.imageWidth, match.imageHeight);
      thumb.append(box);
    }
    const score = document.createElement('div');
    score.className = 'score';
    score.textContent = match.score.toFixed(4);
    return photoFigure('match', match.image, thumb, score, pathLine(match.imagePath));
  }));
}

// One photo of a result list: a link to the full photo around its thumbnail, and a caption (text only, never HTML).
function photoFigure(className, image, thumbnail, ...caption) {
  const figure = document.createElement('figure');
  figure.className = className;
  const link = document.createElement('a');
  link.href = image;
  link.target = '_blank';
  link.rel = 'noopener';
  link.title = 'open the full photo';
  link.append(thumbnail);
  const figcaption = document.createElement('figcaption');
  figcaption.append(...caption);
  figure.append(link, figcaption);
  return figure;
}

function thumbnailImage(src, alt) {
  const img = document.createElement('img');
  img.src = src;
  img.alt = alt;
  img.loading = 'lazy';
  return img;
}

function pathLine(text) {
  const path = document.createElement('div');
  path.className = 'path';
  path.textContent = text;
  return path;
}

// --- Index view: stats and the last ingest report.
async function showIndex() {
  try {
    const [stats, report] = await Promise.all([api('/api/stats'), api('/api/ingest-report')]);
    const rows = [
      ['faces', stats.faces], ['images', stats.images], ['collection', stats.collection],
      ['model', stats.modelId || stats.model.modelId], ['detector', stats.model.detector],
      ['recognizer', stats.model.recognizer], ['recommended threshold', stats.model.recommendedThreshold],
    ];
    $('#stats').replaceChildren(...rows.flatMap(([name, value]) => [cell('dt', name), cell('dd', value)]));
    $('#ingest-summary').textContent = report.available
      ? `${report.files} file(s): ${report.indexed} indexed, ${report.failed} failed, ${report.faces} face(s) stored (journal ${report.journal})`
      : 'No ingest journal for this store (nothing indexed with facevector index yet).';
    fillTable('#failures', report.failures.map((f) => [f.path, f.reason]));
    fillTable('#skipped', report.skippedFaces.map((s) => [s.path, s.faceIndex, s.reason]));
  } catch (error) {
    $('#ingest-summary').textContent = error.message;
  }
}

function cell(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}

function fillTable(selector, rows) {
  if (rows.length === 0) rows = [['none']];
  $(`${selector} tbody`).replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    tr.append(...row.map((value) => cell('td', value)));
    return tr;
  }));
}

// --- People view: cover faces, names and counts; a person's photos; rename; merge two.
// Every name is user text: it is only ever put in the page with textContent, never as HTML.
const people = { selected: [], current: null };

function postJson(path, body) {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function personName(person) {
  return person.name ?? `Person ${person.id}`;
}

function counts(person) {
  return `${person.photoCount} photo(s) · ${person.faceCount} face(s)`;
}

function setPeopleStatus(selector, text, isError = false) {
  const status = $(selector);
  status.textContent = text;
  status.classList.toggle('error', isError);
}

async function showPeople() {
  $('#person').hidden = true;
  $('#people-list').hidden = false;
  people.selected = [];
  updateMerge();
  setPeopleStatus('#people-status', 'Loading people…');
  try {
    const list = await api('/api/people?limit=1000');
    $('#people').replaceChildren(...list.people.map(personCard));
    setPeopleStatus('#people-status', list.total === 0
      ? 'No people yet: group the faces with "facevector people cluster".'
      : `${list.total} people. Click one to see their photos; tick two to merge them.`);
  } catch (error) {
    setPeopleStatus('#people-status', error.message, true);
  }
}

function personCard(person) {
  const figure = document.createElement('figure');
  figure.className = 'person';
  figure.dataset.id = person.id;
  const pick = document.createElement('input');
  pick.type = 'checkbox';
  pick.className = 'pick';
  pick.title = 'select for merging';
  pick.addEventListener('click', (e) => { e.stopPropagation(); togglePick(person, figure, pick.checked); });
  const img = document.createElement('img');
  img.className = 'cover';
  img.alt = personName(person);
  if (person.cover) img.src = person.cover;
  const caption = document.createElement('figcaption');
  const name = document.createElement('div');
  name.className = person.name ? 'name' : 'name unnamed';
  name.textContent = personName(person);
  const count = document.createElement('div');
  count.className = 'counts';
  count.textContent = counts(person);
  caption.append(name, count);
  figure.append(pick, img, caption);
  figure.addEventListener('click', () => showPerson(person.id));
  return figure;
}

function togglePick(person, figure, on) {
  people.selected = people.selected.filter((id) => id !== person.id);
  if (on) people.selected.push(person.id);
  figure.classList.toggle('selected', on);
  updateMerge();
}

function updateMerge() {
  $('#merge').disabled = people.selected.length !== 2;
}

async function mergeSelected() {
  const [into, from] = people.selected;
  try {
    const merged = await postJson(`/api/people/${into}/merge`, { from });
    await showPeople();
    setPeopleStatus('#people-status', `Merged: ${personName(merged)} now has ${counts(merged)}.`);
  } catch (error) {
    setPeopleStatus('#people-status', error.message, true);
  }
}

async function showPerson(id) {
  people.current = id;
  $('#people-list').hidden = true;
  $('#person').hidden = false;
  $('#person-photos').replaceChildren();
  setPeopleStatus('#person-status', 'Loading photos…');
  try {
    const photos = [];
    let page = await api(`/api/people/${id}?limit=1000`);
    photos.push(...page.page);
    while (page.nextOffset !== null) {
      page = await api(`/api/people/${id}?limit=1000&offset=${page.nextOffset}`);
      photos.push(...page.page);
    }
    showPersonHeader(page.person);
    $('#person-photos').replaceChildren(...photos.map(personPhoto));
    setPeopleStatus('#person-status', '');
  } catch (error) {
    setPeopleStatus('#person-status', error.message, true);
  }
}

function showPersonHeader(person) {
  $('#person-name').textContent = personName(person);
  $('#person-counts').textContent = counts(person);
  $('#rename-input').value = person.name ?? '';
}

function personPhoto(photo) {
  return photoFigure('match person-photo', photo.image, thumbnailImage(photo.thumbnail, photo.imagePath), pathLine(photo.imagePath));
}

async function rename(event) {
  event.preventDefault();
  try {
    const person = await postJson(`/api/people/${people.current}/name`, { name: $('#rename-input').value });
    showPersonHeader(person);
    setPeopleStatus('#person-status', 'Renamed.');
  } catch (error) {
    setPeopleStatus('#person-status', error.message, true);
  }
}

// --- Wiring.
function showView(id) {
  for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.view === id);
  for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== id;
  if (id === 'index-view') showIndex();
  if (id === 'people-view') showPeople();
}

async function start() {
  const drop = $('#drop');
  $('#file').addEventListener('change', (e) => usePhoto(e.target.files[0]));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); usePhoto(e.dataTransfer.files[0]); });
  $('#threshold').addEventListener('input', () => { $('#threshold-value').textContent = Number($('#threshold').value).toFixed(2); searchSoon(); });
  $('#top').addEventListener('change', search);
  $('#controls').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => showView(tab.dataset.view));
  $('#merge').addEventListener('click', mergeSelected);
  $('#person-back').addEventListener('click', showPeople);
  $('#rename').addEventListener('submit', rename);
  try {
    // The slider starts at the recognizer's recommended threshold.
    const stats = await api('/api/stats');
    $('#threshold').value = stats.model.recommendedThreshold;
    setStatus(`${stats.faces} faces in ${stats.images} images indexed. Choose a photo to search.`);
  } catch (error) {
    setStatus(error.message, true);
  }
  $('#threshold-value').textContent = Number($('#threshold').value).toFixed(2);
  document.body.dataset.ready = 'true';
}

start();
