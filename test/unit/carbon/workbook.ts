/** Small Fuel Mix Report workbooks, built with exceljs in the layout ERCOT publishes. */
import ExcelJS from 'exceljs';

/** `0:15` .. `23:45`, `0:00`: the 96 interval-ending labels of a month sheet. */
export const QUARTER_LABELS = Array.from({ length: 96 }, (_, i) => {
  const end = (i + 1) * 15;
  return `${Math.floor(end / 60) % 24}:${String(end % 60).padStart(2, '0')}`;
});
/** The fall-back month's extra columns for the repeated hour. */
export const DST_LABELS = ['01:15 (DST)', '01:30 (DST)', '01:45 (DST)', '02:00 (DST)'];

export type Cell = string | number | Date | null;

export interface DayRow {
  /** `YYYY-MM-DD` (written as a date cell) or any cell value as is. */
  date: string | Cell;
  fuel: string;
  type?: string;
  /** One value per column after Total; null leaves the cell empty. Total is their sum unless given. */
  cells: Cell[];
  total?: Cell;
}

export const header = (dst = false): Cell[] => ['Date', 'Fuel', 'Settlement Type', 'Total', ...QUARTER_LABELS, ...(dst ? DST_LABELS : [])];

/** A row of 96 (or 100 with the DST columns) cells, value(i) for column i after Total. */
export function cellsOf(value: (i: number) => number | null, count = 96): Cell[] {
  return Array.from({ length: count }, (_, i) => value(i));
}

/** The 0-based cell indexes ending 2:15 .. 3:00: the hour that does not exist on a spring-forward day. */
export const SPRING_GAP = [8, 9, 10, 11];

export function dayRow(row: DayRow): Cell[] {
  const date = typeof row.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(row.date) ? new Date(`${row.date}T00:00:00Z`) : row.date;
  const total = row.total !== undefined ? row.total : row.cells.reduce<number>((a, c) => a + (typeof c === 'number' ? c : 0), 0);
  return [date, row.fuel, row.type ?? 'FINAL', total, ...row.cells];
}

/** An .xlsx in memory: sheets in order, each a list of rows (the first its header). */
export async function workbook(sheets: Record<string, Cell[][]>): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const r of rows) ws.addRow(r);
  }
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
