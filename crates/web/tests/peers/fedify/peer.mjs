// A Fedify server on loopback, driven by bestpick's federation test:
// `node peer.mjs PORT [rfc9421|draft-cavage-http-signatures-12] [cavage-only]`.
// Its actor `tester` looks bestpick up, follows, replies, likes, boosts,
// edits and deletes on command (/_control/...), and records what its
// inbox received (/_control/received) and what it sent (/_control/sent),
// with the signature scheme of each.
import http from "node:http";
import { createFederation, generateCryptoKeyPair, MemoryKvStore } from "@fedify/fedify";
import {
  Accept, Announce, Create, Delete, Endpoints, Follow, isActor, Like, Note,
  Person, PUBLIC_COLLECTION, Tombstone, Undo, Update,
} from "@fedify/vocab";

const port = Number(process.argv[2] ?? 8101);
const firstKnock = process.argv[3] ?? "rfc9421";
// Refuse RFC 9421 signatures, as servers before Mastodon 4.5 do.
const cavageOnly = process.argv[4] === "cavage-only";

const schemeOf = (headers) =>
  headers.get("signature-input") ? "rfc9421" : headers.get("signature") ? "draft-cavage" : "unsigned";

// WebFinger is always asked for over https; this peer and bestpick speak http.
const realFetch = globalThis.fetch;
const sent = [];
globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  let url = request.url;
  if (/^https:\/\/127\.0\.0\.1(:\d+)?\/\.well-known\/webfinger/.test(url)) url = url.replace(/^https:/, "http:");
  const response = await realFetch(new Request(url, request));
  if (request.method === "POST") sent.push({ url, scheme: schemeOf(request.headers), status: response.status });
  return response;
};

const received = [];
const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true, firstKnock });

const keys = new Map();
async function keyPairsFor(id) {
  if (!keys.has(id)) keys.set(id, [
    await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
    await generateCryptoKeyPair("Ed25519"),
  ]);
  return keys.get(id);
}

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "tester") return null;
    const kp = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify Tester",
      url: new URL(`http://127.0.0.1:${port}/@tester`),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: kp[0].cryptographicKey,
      assertionMethods: kp.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => identifier === "tester" ? await keyPairsFor(identifier) : []);

// Each request's scheme reaches its listener as the context's data.
const record = (kind) => async (ctx, activity) => {
  received.push({ kind, id: activity.id?.href, actor: activity.actorId?.href, scheme: ctx.data,
                  json: await activity.toJsonLd({ format: "compact" }) });
};
federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, record("Follow"))
  .on(Accept, record("Accept"))
  .on(Create, record("Create"))
  .on(Update, record("Update"))
  .on(Delete, record("Delete"))
  .on(Undo, record("Undo"))
  .on(Like, record("Like"))
  .on(Announce, record("Announce"));

const server = http.createServer(async (req, res) => {
  const url = `http://${req.headers.host}${req.url}`;
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
  if (req.url.startsWith("/_control/")) return control(req, res, url);
  if (req.method === "POST" && cavageOnly && headers.get("signature-input")) {
    res.writeHead(401); return res.end("RFC 9421 signatures are not taken here");
  }
  const response = await federation.fetch(new Request(url, { method: req.method, headers, body }), { contextData: schemeOf(headers) });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});

async function control(req, res, url) {
  const u = new URL(url);
  const p = (name) => u.searchParams.get(name);
  const ctx = federation.createContext(new URL(`http://127.0.0.1:${port}/`), undefined);
  const sender = { identifier: "tester" };
  const me = ctx.getActorUri("tester");
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    let out = {};
    if (u.pathname === "/_control/received") out = received;
    else if (u.pathname === "/_control/sent") out = sent;
    else {
      const actor = await ctx.lookupObject(p("target"));
      if (!isActor(actor)) throw new Error("lookup failed: " + p("target"));
      out.actor = actor.id.href;
      out.name = actor.name?.toString();
      out.inbox = actor.inboxId?.href;
      const send = (activity) => ctx.sendActivity(sender, actor, activity);
      switch (u.pathname) {
        case "/_control/lookup": break;
        case "/_control/follow": {
          const follow = new Follow({ id: new URL(`${me.href}#follow/${stamp}`), actor: me, object: actor.id });
          await send(follow);
          out.follow = follow.id.href;
          break;
        }
        case "/_control/unfollow": {
          const follow = new Follow({ id: new URL(p("follow")), actor: me, object: actor.id });
          await send(new Undo({ id: new URL(`${me.href}#undo/${stamp}`), actor: me, object: follow }));
          break;
        }
        case "/_control/reply": {
          const note = new Note({ id: new URL(`${me.href}/notes/${stamp}`), attribution: me,
            content: p("html") ?? "hi", replyTarget: new URL(p("inReplyTo")), to: PUBLIC_COLLECTION, cc: actor.id });
          await send(new Create({ id: new URL(`${note.id.href}#create`), actor: me, object: note, to: PUBLIC_COLLECTION, cc: actor.id }));
          out.note = note.id.href;
          break;
        }
        case "/_control/edit": {
          const note = new Note({ id: new URL(p("note")), attribution: me, content: p("html"),
            replyTarget: new URL(p("inReplyTo")), to: PUBLIC_COLLECTION, cc: actor.id });
          await send(new Update({ id: new URL(`${note.id.href}#update/${stamp}`), actor: me, object: note, to: PUBLIC_COLLECTION }));
          break;
        }
        case "/_control/delete": {
          await send(new Delete({ id: new URL(`${p("note")}#delete/${stamp}`), actor: me,
            object: new Tombstone({ id: new URL(p("note")) }), to: PUBLIC_COLLECTION }));
          break;
        }
        case "/_control/like":
        case "/_control/announce": {
          const Kind = u.pathname.endsWith("like") ? Like : Announce;
          const activity = new Kind({ id: new URL(`${me.href}#${u.pathname.slice(10)}/${stamp}`), actor: me,
            object: new URL(p("object")), to: PUBLIC_COLLECTION });
          await send(activity);
          out.activity = activity.id.href;
          break;
        }
        case "/_control/undo": {
          const Kind = p("kind") === "Like" ? Like : Announce;
          const undone = new Kind({ id: new URL(p("activity")), actor: me, object: new URL(p("object")) });
          await send(new Undo({ id: new URL(`${me.href}#undo/${stamp}`), actor: me, object: undone }));
          break;
        }
        default: throw new Error("no such control: " + u.pathname);
      }
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(out));
  } catch (e) {
    res.writeHead(500);
    res.end(String(e?.stack ?? e));
  }
}

server.listen(port, "127.0.0.1", () => console.log(`listening ${port} firstKnock=${firstKnock}${cavageOnly ? " cavage-only" : ""}`));
