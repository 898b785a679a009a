/**
 * Page selections as users type them ("0-3, 7", "2–5;9", a list from an expression) read into the
 * sorted page indexes Mistral's `pages` takes (numbered from 0, as its answers number them). Pure.
 */

import { InputError } from '../errors';

const MAX_PAGE_INDEX = 100_000;

/** Undefined for "all pages" (empty); else the distinct page indexes in ascending order. */
export function parsePageSelection(raw: unknown): number[] | undefined {
	if (raw === undefined || raw === null) return undefined;
	if (Array.isArray(raw)) {
		if (raw.length === 0) return undefined;
		return sortedUnique(raw.map((value) => pageNumber(value, JSON.stringify(value))));
	}
	if (typeof raw === 'number') return [pageNumber(raw, String(raw))];
	if (typeof raw !== 'string') throw new InputError(`"Pages" must be text such as "0-3,7", got ${typeof raw}`);
	const text = raw.trim().replace(/^\[(.*)\]$/s, '$1');
	if (text === '') return undefined;
	const pages: number[] = [];
	for (const piece of text.split(/[,;]/)) {
		const part = piece.trim();
		if (part === '') continue;
		// Hyphen, en dash, em dash, "to" and ".." all mean a range.
		const range = /^(\d+)\s*(?:-|–|—|\.\.|to)\s*(\d+)$/i.exec(part);
		if (range) {
			const first = pageNumber(range[1], part);
			const last = pageNumber(range[2], part);
			if (last < first) throw new InputError(`The page range "${part}" ends before it starts. Write it as "${last}-${first}"`);
			if (last - first > MAX_PAGE_INDEX) throw new InputError(`The page range "${part}" is too long`);
			for (let page = first; page <= last; page++) pages.push(page);
			continue;
		}
		pages.push(pageNumber(part, part));
	}
	if (pages.length === 0) return undefined;
	return sortedUnique(pages);
}

function pageNumber(value: unknown, shown: string): number {
	const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
	if (!Number.isInteger(number) || number < 0) {
		throw new InputError(`"${shown}" is not a page number or range. Use page numbers from 0 (the first page) and ranges such as "0-3,7"`);
	}
	if (number > MAX_PAGE_INDEX) throw new InputError(`Page ${number} is beyond any document Mistral reads (at most 1,000 pages)`);
	return number;
}

function sortedUnique(pages: number[]): number[] {
	return [...new Set(pages)].sort((a, b) => a - b);
}

/** A compact form for messages: [0,1,2,3,7] → "0-3,7". */
export function describePages(pages: readonly number[]): string {
	const parts: string[] = [];
	for (let i = 0; i < pages.length; i++) {
		let j = i;
		while (j + 1 < pages.length && pages[j + 1] === pages[j] + 1) j++;
		parts.push(j > i ? `${pages[i]}-${pages[j]}` : String(pages[i]));
		i = j;
	}
	return parts.join(',');
}
