// The isolate benchmark's baseline: a Worker that does nothing but a verification's HTTP exchanges — the request in
// (its body read), the provider's GET of the result, the D1 host's round-trip with the same batch (answered by `echo`,
// so nothing runs there), the same answer out — in the same workerd setup as the app. What workerd's process spends
// on it is workerd's own work, which the app's process spends as well and Cloudflare does not bill as the Worker's.
export default {
  async fetch(request, env) {
    await request.arrayBuffer();
    const result = await fetch(env.RESULT_URL, { headers: { Authorization: env.RESULT_TOKEN } });
    await result.arrayBuffer();
    const d1 = await env.D1_HOST.fetch("http://d1/", { method: "POST", body: env.BATCH.replace('"op":"batch"', '"op":"echo"') });
    await d1.arrayBuffer();
    return new Response(env.ANSWER, { headers: { "Content-Type": "application/json" } });
  },
};
