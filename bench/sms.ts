// What one in-page SMS verification costs (VERIFY_METHOD=sms): the send (one OTP request to the stub, two D1
// writes) and the confirm (the OTP confirm, then the very verification of POST /certifications), one at a time,
// on its own Worker beside the others, against the V1 stub. Not timed: prepare.
import { HttpClient, percentile } from "../test/support/http-client.ts";
import { cpuMs, spawnedBy } from "./cpu.ts";
import { APP_ORIGIN, type Server, startApp } from "./servers.ts";

export interface SmsCost {
  verifications: number;
  send_p50_ms: number;
  confirm_p50_ms: number;
  /** The Worker's CPU ms per confirm (the OTP confirm and the verification), read from /proc over all of them. */
  confirm_cpu_ms: number;
  errors: number;
}

export async function measureSms(app: Server, n: number): Promise<SmsCost> {
  const { result: worker, pid } = await spawnedBy(() =>
    startApp({
      storage: true,
      apiBase: app.stubServer.url,
      impKey: app.stub.impKey,
      persist: "bench-sms",
      vars: { VERIFY_METHOD: "sms", IMP_PG: "danal" },
    }),
  );
  const send: number[] = [];
  const confirm: number[] = [];
  let errors = 0;
  const post = (client: HttpClient, path: string, body: object) =>
    client.send(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const pending: Array<{ client: HttpClient; merchant_uid: string; imp_uid: string }> = [];
  let confirm_cpu_ms = Number.NaN;
  try {
    for (let i = 0; i < n; i++) {
      const client = new HttpClient(worker.url, APP_ORIGIN);
      const { merchant_uid } = await client.prepare();
      const phone = `010${String(30_000_000 + i).padStart(8, "0")}`;
      const t0 = performance.now();
      const sent = await post(client, "/certifications/sms/send", {
        merchant_uid,
        name: `문자${i}`,
        phone,
        birth: "900101",
        gender_digit: "1",
        carrier: "SKT",
        agreed: true,
      });
      const { imp_uid } = (await sent.json()) as { imp_uid?: string };
      send.push(performance.now() - t0);
      if (sent.status !== 202 || !imp_uid) {
        errors++;
        continue;
      }
      pending.push({ client, merchant_uid, imp_uid });
    }
    // The confirms once every code is sent (each lives 3 minutes), with the Worker's CPU around them.
    const cpuBefore = cpuMs(pid);
    for (const { client, merchant_uid, imp_uid } of pending) {
      const t0 = performance.now();
      const confirmed = await post(client, "/certifications/sms/confirm", { merchant_uid, imp_uid, otp: app.stub.otps.get(imp_uid) });
      await confirmed.arrayBuffer();
      confirm.push(performance.now() - t0);
      if (confirmed.status !== 200) errors++;
    }
    confirm_cpu_ms = pending.length ? (cpuMs(pid) - cpuBefore) / pending.length : Number.NaN;
  } finally {
    await worker.mf.dispose();
  }
  const p50 = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  return { verifications: n, send_p50_ms: p50(send), confirm_p50_ms: p50(confirm), confirm_cpu_ms, errors };
}
