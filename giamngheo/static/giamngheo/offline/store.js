/* The offline app's store: IndexedDB, with everything about households encrypted.
 *
 * A lost phone must not give the households away. The downloaded cases and the drafts are sealed with
 * AES-GCM under a key derived from the surveyor's PIN (PBKDF2-SHA-256, 600,000 iterations, a random salt per
 * download). Only the salt, a sealed check value, the expiry time and the lock delay are stored in clear:
 * the app must be able to wipe expired data before anyone types a PIN. The key itself lives only in memory
 * and is forgotten when the app locks. After MAX_ATTEMPTS wrong PINs the data is wiped.
 * See docs/offline.md and docs/security.md ("Offline survey app").
 */
(function () {
  "use strict";

  const DB_NAME = "giamngheo-offline";
  const STORE = "kv";
  const ITERATIONS = 600000;
  const MAX_ATTEMPTS = 10;
  const CHECK = "giamngheo-offline-v1";
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      dbPromise = request(open);
    }
    return dbPromise;
  }

  async function tx(mode, work) {
    const database = await db();
    const transaction = database.transaction(STORE, mode);
    const result = await request(work(transaction.objectStore(STORE)));
    await new Promise((resolve, reject) => {
      transaction.oncomplete = resolve;
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
    return result;
  }

  const kv = {
    get: (key) => tx("readonly", (store) => store.get(key)),
    put: (key, value) => tx("readwrite", (store) => store.put(value, key)),
    clear: () => tx("readwrite", (store) => store.clear()),
  };

  async function deriveKey(pin, salt, iterations) {
    const base = await crypto.subtle.importKey("raw", encoder.encode(pin), "PBKDF2", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "PBKDF2", salt, iterations, hash: "SHA-256" }, base, { name: "AES-GCM", length: 256 }, false,
      ["encrypt", "decrypt"],
    );
  }

  async function seal(key, value) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(JSON.stringify(value)));
    return { iv, data: new Uint8Array(data) };
  }

  async function unseal(key, sealed) {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key, sealed.data);
    return JSON.parse(decoder.decode(plain));
  }

  class Vault {
    constructor() {
      this.key = null;
      this.meta = null;
    }

    async load() {
      this.meta = (await kv.get("meta")) || null;
      return this.meta;
    }

    hasData() { return this.meta !== null; }

    isUnlocked() { return this.key !== null; }

    expired(now) {
      return this.meta !== null && Date.parse(this.meta.expires_at) <= (now || Date.now());
    }

    /* A new vault for a first download: the PIN's key seals the bundle and an empty set of drafts. */
    async create(pin, bundle) {
      const salt = crypto.getRandomValues(new Uint8Array(16));
      const key = await deriveKey(pin, salt, ITERATIONS);
      const meta = {
        salt, iterations: ITERATIONS, check: await seal(key, CHECK), attempts: 0,
        expires_at: bundle.expires_at, keep_days: bundle.keep_days, lock_minutes: bundle.lock_minutes,
      };
      await kv.clear();
      await kv.put("bundle", await seal(key, bundle));
      await kv.put("drafts", await seal(key, {}));
      await kv.put("meta", meta);
      this.key = key;
      this.meta = meta;
    }

    /* {ok: true} or {ok: false, left: attempts left} or {wiped: true} after too many wrong PINs. */
    async unlock(pin) {
      const key = await deriveKey(pin, this.meta.salt, this.meta.iterations);
      try {
        if ((await unseal(key, this.meta.check)) !== CHECK) throw new Error("check");
      } catch (error) {
        this.meta.attempts = (this.meta.attempts || 0) + 1;
        if (this.meta.attempts >= MAX_ATTEMPTS) {
          await this.wipe();
          return { ok: false, wiped: true };
        }
        await kv.put("meta", this.meta);
        return { ok: false, left: MAX_ATTEMPTS - this.meta.attempts };
      }
      this.key = key;
      if (this.meta.attempts) {
        this.meta.attempts = 0;
        await kv.put("meta", this.meta);
      }
      return { ok: true };
    }

    lock() { this.key = null; }

    async readBundle() { return unseal(this.key, await kv.get("bundle")); }

    async writeBundle(bundle) {
      await kv.put("bundle", await seal(this.key, bundle));
      this.meta.expires_at = bundle.expires_at;
      this.meta.keep_days = bundle.keep_days;
      this.meta.lock_minutes = bundle.lock_minutes;
      await kv.put("meta", this.meta);
    }

    async readDrafts() { return unseal(this.key, await kv.get("drafts")); }

    async writeDrafts(drafts) { await kv.put("drafts", await seal(this.key, drafts)); }

    /* Everything on the device goes: the data, and the cached app shell. */
    async wipe() {
      this.key = null;
      this.meta = null;
      await kv.clear();
      if (globalThis.caches) {
        const names = await caches.keys();
        await Promise.all(names.filter((n) => n.startsWith("giamngheo-offline-")).map((n) => caches.delete(n)));
      }
    }
  }

  globalThis.GiamngheoOfflineStore = { Vault, MAX_ATTEMPTS };
})();
