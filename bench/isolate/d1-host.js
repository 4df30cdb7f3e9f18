// The D1 host of the isolate benchmark (bench/isolate/entry.ts): a Worker in its own workerd process that runs the
// statements it is sent on its local D1 and answers their results as D1 gives them. It keeps the last batch it
// served, request and answer, for the baseline Worker (bench/isolate/baseline.js), to which `echo` answers that
// batch's answer again without running anything.
let last = { request: "", answer: "" };

export default {
  async fetch(request, env) {
    const text = await request.text();
    const q = JSON.parse(text);
    if (q.op === "last") return Response.json(last);
    if (q.op === "echo") return new Response(last.answer, { headers: { "Content-Type": "application/json" } });
    let answer;
    try {
      const statement = (s) => env.DB.prepare(s.sql).bind(...s.params);
      let result;
      if (q.op === "batch") result = await env.DB.batch(q.statements.map(statement));
      else if (q.op === "exec") result = await env.DB.exec(q.sql);
      else if (q.op === "raw") result = await statement(q).raw({ columnNames: q.columnNames });
      else if (q.op === "first") result = q.column === undefined ? await statement(q).first() : await statement(q).first(q.column);
      else result = await statement(q)[q.op]();
      answer = JSON.stringify({ ok: true, result });
    } catch (err) {
      answer = JSON.stringify({ ok: false, error: String(err?.message) });
    }
    if (q.op === "batch") last = { request: text, answer };
    return new Response(answer, { headers: { "Content-Type": "application/json" } });
  },
};
