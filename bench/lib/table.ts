/** Plain-text tables and number formatting for the benchmark report. */

export function table(headers: string[], rows: Array<Array<string | number>>): string {
	const cells = [headers, ...rows.map((row) => row.map((cell) => String(cell)))];
	const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
	const line = (row: string[]) =>
		row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
	return [line(cells[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fixed(value: number | undefined, digits = 1): string {
	if (value === undefined || !Number.isFinite(value)) return '-';
	return value.toFixed(digits);
}

export function ratio(value: number | undefined, digits = 2): string {
	if (value === undefined || !Number.isFinite(value)) return '-';
	return `${value.toFixed(digits)}x`;
}

export function thousands(value: number): string {
	return Math.round(value).toLocaleString('en-US');
}
