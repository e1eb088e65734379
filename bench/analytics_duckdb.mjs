// DuckDB's rate for bench/analytics_compare.sh: the CSV of `strata bench analytics --export`
// loaded into an in-memory table, then GROUP BY window, key with count/sum/min/max, timed alone
// (the best of three), on every core. Prints "duckdb: N events/s".
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, windowMs] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
await db.run(`CREATE TABLE e AS SELECT * FROM read_csv('${csv}', header = true,
              columns = {'ts': 'BIGINT', 'key': 'UINTEGER', 'value': 'BIGINT'})`);
const rows = Number((await db.runAndReadAll('SELECT count(*) FROM e')).getRows()[0][0]);
let best = Infinity;
let groups = 0;
for (let i = 0; i < 3; ++i) {
  await db.run('DROP TABLE IF EXISTS r');
  const t0 = process.hrtime.bigint();
  await db.run(`CREATE TABLE r AS SELECT ts // ${windowMs} AS w, key, count(*) AS n, sum(value) AS s,
                min(value) AS lo, max(value) AS hi FROM e GROUP BY w, key`);
  best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  groups = Number((await db.runAndReadAll('SELECT count(*) FROM r')).getRows()[0][0]);
}
console.log(`duckdb: ${rows} events in ${groups} groups, ${(rows / best).toFixed(0)} events/s`);
