// The benchmark's baseline: the server that i'mport's integration guide for mobile identity verification
// (휴대폰 본인인증, "STEP 5: get and use verification information") writes, as a site would deploy it — Express
// with body-parser's JSON, axios, a new REST token for every request, the bare token as Authorization, the
// guide's age check on `birth`, and a `Users.find`-style look-up of the account by `unique_key`. Nothing is added
// but what the guide leaves as "...": an in-memory Users collection and a JSON answer, so that the benchmark can
// tell the outcomes apart. Run as its own process: `node bench/guide-server.mjs <port> <i'mport base URL>`.
//
// It is deliberately not this app: it trusts any imp_uid, checks no merchant_uid, browser or expiry, and reads
// `birth` as milliseconds. It is here to be measured, never deployed.
//
// `node bench/guide-server.mjs <port> <base> sqlite <file>` keeps the users in SQLite instead (node:sqlite, a
// UNIQUE index on unique_key, found by it and inserted when new): a deployed site keeps its users in a database.
import axios from "axios";
import express from "express";

const [port, apiBase, store, file] = [Number(process.argv[2]), process.argv[3], process.argv[4], process.argv[5]];
const IMP_KEY = process.env.IMP_KEY;
const IMP_SECRET = process.env.IMP_SECRET;

/** The same model over SQLite: WAL, as a server keeps it. */
async function sqliteUsers(path) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec("CREATE TABLE IF NOT EXISTS users (certification_key TEXT NOT NULL UNIQUE, name TEXT, gender TEXT)");
  const select = db.prepare("SELECT certification_key AS certificationKey, name, gender FROM users WHERE certification_key = ?");
  const insert = db.prepare("INSERT INTO users (certification_key, name, gender) VALUES (?, ?, ?)");
  return {
    find: async ({ certificationKey }) => select.get(certificationKey) ?? null,
    create: async (user) => {
      insert.run(user.certificationKey, user.name ?? null, user.gender ?? null);
      return user;
    },
  };
}

/** What the guide's `Users` model offers for this flow: find one by a field, create one. */
const memoryUsers = {
  rows: [],
  find(query) {
    const [[field, value]] = Object.entries(query);
    return Promise.resolve(this.rows.find((user) => user[field] === value) ?? null);
  },
  create(user) {
    this.rows.push(user);
    return Promise.resolve(user);
  },
};

const Users = store === "sqlite" ? await sqliteUsers(file) : memoryUsers;

const app = express();
app.use(express.json());

app.post("/certifications", async (request, response) => {
  const { imp_uid } = request.body; // Get imp_uid from request.body
  try {
    // Get access token
    const getToken = await axios({
      url: `${apiBase}/users/getToken`,
      method: "post",
      headers: { "Content-Type": "application/json" },
      data: { imp_key: IMP_KEY, imp_secret: IMP_SECRET },
    });
    const { access_token } = getToken.data.response;
    // Get verification info from i'mport server using imp_uid
    const getCertifications = await axios({
      url: `${apiBase}/certifications/${imp_uid}`,
      method: "get",
      headers: { Authorization: access_token },
    });
    const certificationsInfo = getCertifications.data.response;
    const { unique_key, name, gender, birth } = certificationsInfo;
    // Check age restrictions (as the guide writes it)
    if (!(new Date(birth).getFullYear() <= 1999)) {
      // The guide leaves this branch empty; a site answers something.
    }
    // one account per person check
    const user = await Users.find({ certificationKey: unique_key });
    if (!user) {
      await Users.create({ certificationKey: unique_key, name, gender });
      response.json({ outcome: "new_user" });
    } else {
      response.json({ outcome: "existing_user" });
    }
  } catch (e) {
    console.error(e.message);
    response.status(500).json({ error: "failed" });
  }
});

app.get("/healthz", (_request, response) => response.json({ ok: true }));

app.listen(port, "127.0.0.1", () => console.log(`guide server listening on ${port}`));
