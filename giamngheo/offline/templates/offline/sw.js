/* Service worker of the offline survey app, served by giamngheo/offline/views.py::worker from the app's own
   path, so that its scope is the app. It keeps the app shell and its scripts and styles (no personal data:
   households live in IndexedDB, encrypted with the surveyor's PIN) so that the app opens with no connection.
   The cache's name carries a digest of the files: a new release replaces the old cache. */
"use strict";
const CACHE_PREFIX = "giamngheo-offline-";
const CACHE = CACHE_PREFIX + "{{ version }}";
const SHELL = {{ shell|safe }};
const APP_URL = {{ app_url|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === APP_URL) {
    // The shell: the network's copy when there is one (a new release), else the kept one.
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(APP_URL, copy));
        }
        return response;
      }).catch(() => caches.match(APP_URL)),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
  // Everything else (the download, the uploads, the session check) goes to the network, never to a cache.
});
