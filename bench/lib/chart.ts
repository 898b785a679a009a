/**
 * A horizontal bar chart as a standalone SVG (no dependency): one panel per figure, one bar per
 * scenario, the value printed at the end of each bar. Our nodes' bars are drawn in the accent colour.
 */

export interface ChartBar {
	label: string;
	/** undefined: not measured in this run (drawn as "not measured"). */
	value: number | undefined;
	/** Printed after the value (e.g. "1,000 failed"). */
	note?: string;
	ours?: boolean;
}

export interface ChartPanel {
	title: string;
	unit: string;
	bars: ChartBar[];
}

const WIDTH = 860;
const LABEL_WIDTH = 330;
const BAR_HEIGHT = 20;
const GAP = 6;
const PANEL_PAD = 40;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function formatValue(value: number): string {
	if (value >= 100) return Math.round(value).toLocaleString('en-US');
	if (value >= 10) return value.toFixed(1);
	return value.toFixed(2);
}

export function barChartSvg(title: string, subtitle: string, panels: ChartPanel[]): string {
	const parts: string[] = [];
	let y = 56;
	for (const panel of panels) {
		parts.push(`<text x="16" y="${y}" class="panel">${escape(panel.title)} <tspan class="unit">(${escape(panel.unit)})</tspan></text>`);
		y += 12;
		const max = Math.max(1e-9, ...panel.bars.map((bar) => bar.value ?? 0));
		const span = WIDTH - LABEL_WIDTH - 190;
		for (const bar of panel.bars) {
			const length = bar.value === undefined ? 0 : Math.max(1, (bar.value / max) * span);
			const text = bar.value === undefined ? 'not measured' : `${formatValue(bar.value)}${bar.note ? `  ${bar.note}` : ''}`;
			parts.push(
				`<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT * 0.7}" class="label" text-anchor="end">${escape(bar.label)}</text>`,
				`<rect x="${LABEL_WIDTH}" y="${y}" width="${length.toFixed(1)}" height="${BAR_HEIGHT}" rx="3" class="${bar.ours ? 'ours' : 'other'}"/>`,
				`<text x="${(LABEL_WIDTH + length + 6).toFixed(1)}" y="${y + BAR_HEIGHT * 0.7}" class="value">${escape(text)}</text>`,
			);
			y += BAR_HEIGHT + GAP;
		}
		y += PANEL_PAD - GAP;
	}
	const height = y - PANEL_PAD + 24;
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
		'<style>',
		'.bg{fill:#ffffff} .title{font-size:17px;font-weight:600;fill:#1f2328} .sub{font-size:12px;fill:#59636e} .panel{font-size:14px;font-weight:600;fill:#1f2328}',
		'.unit{font-weight:400;fill:#59636e} .label{font-size:12px;fill:#1f2328} .value{font-size:12px;fill:#1f2328} .ours{fill:#fa520f} .other{fill:#8c959f}',
		'@media (prefers-color-scheme: dark){.bg{fill:#0d1117} .title,.panel,.label,.value{fill:#e6edf3} .sub,.unit{fill:#9198a1} .other{fill:#6e7681}}',
		'</style>',
		`<rect class="bg" width="100%" height="100%"/>`,
		`<text x="16" y="24" class="title">${escape(title)}</text>`,
		`<text x="16" y="40" class="sub">${escape(subtitle)}</text>`,
		...parts,
		'</svg>',
		'',
	].join('\n');
}
