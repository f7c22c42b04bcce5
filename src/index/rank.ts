/**
 * Pure: BM25 over FTS4's matchinfo, registered as a SQL function by both engines (FTS4 has
 * no rank column; sql.js has no FTS5). Title hits weigh more than body hits.
 */

export const RANK_FUNCTION = 'inkdex_rank';
/** p: phrases, c: columns, n: rows, a: average tokens per column, l: this row's tokens per column, x: hits. */
export const RANK_MATCHINFO = 'pcnalx';

const K1 = 1.2;
const B = 0.75;
/** Column weights, in the FTS table's order (title, body). */
const WEIGHTS = [3, 1];

/** The BM25 score of one row from its matchinfo blob ('pcnalx'); higher is better. */
export function bm25(matchinfo: Uint8Array): number {
  const view = new DataView(matchinfo.buffer, matchinfo.byteOffset, matchinfo.byteLength);
  const at = (i: number): number => view.getUint32(i * 4, true);
  const phrases = at(0);
  const columns = at(1);
  const rows = at(2);
  const avgOffset = 3;
  const lenOffset = avgOffset + columns;
  const hitsOffset = lenOffset + columns;
  let score = 0;
  for (let p = 0; p < phrases; p++) {
    for (let c = 0; c < columns; c++) {
      const base = hitsOffset + 3 * (c + p * columns);
      const hitsHere = at(base);
      if (hitsHere === 0) continue;
      const docsWithHits = at(base + 2);
      const idf = Math.log(1 + (rows - docsWithHits + 0.5) / (docsWithHits + 0.5));
      const avg = at(avgOffset + c) || 1;
      const len = at(lenOffset + c);
      const tf = (hitsHere * (K1 + 1)) / (hitsHere + K1 * (1 - B + (B * len) / avg));
      score += (WEIGHTS[c] ?? 1) * idf * tf;
    }
  }
  return score;
}
