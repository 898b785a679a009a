import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { INodeProperties } from 'n8n-workflow';

import { chatProperties } from '../../nodes/MistralChat/description';
import { chatModelProperties } from '../../nodes/MistralChatModel/description';
import { embedProperties } from '../../nodes/MistralEmbed/description';
import { embeddingsProperties } from '../../nodes/MistralEmbeddings/description';
import { checkedChoice, checkedNumber, checkOptions, describeRule, OPTION_RULES, type OptionName, OptionValueError } from '../../nodes/shared/optionRanges';

/** Every number and choice field of a node, the entries of its "Options" collection included. */
function fields(properties: INodeProperties[]): INodeProperties[] {
	return properties.flatMap((property) => {
		if (property.type === 'collection') return fields((property.options ?? []) as INodeProperties[]);
		// Images' entries; Extra Messages' roles are checked with the messages (messages.ts).
		if (property.type === 'fixedCollection' && property.name === 'images') {
			return fields((property.options ?? []).flatMap((group) => ('values' in group ? group.values : [])) as INodeProperties[]);
		}
		return property.type === 'number' || property.type === 'options' ? [property] : [];
	});
}

const NODES: Array<[string, INodeProperties[]]> = [
	['Mistral Chat', chatProperties],
	['Mistral Chat Model', chatModelProperties],
	['Mistral Embed', embedProperties],
	['Mistral Embeddings', embeddingsProperties],
];

describe('the option table', () => {
	it.each(NODES)('covers every number and choice of %s, with the bounds and values the editor shows', (_node, properties) => {
		expect(fields(properties).length).toBeGreaterThanOrEqual(8);
		for (const field of fields(properties)) {
			const rule = OPTION_RULES[field.name as OptionName];
			expect([field.name, rule?.displayName]).toEqual([field.name, field.displayName]);
			if (rule.kind === 'number') {
				expect([field.name, field.typeOptions?.minValue, field.typeOptions?.maxValue]).toEqual([field.name, rule.min, rule.max]);
			} else {
				const values = (field.options as Array<{ value: string }>).map((option) => option.value);
				expect([field.name, [...values].sort()]).toEqual([field.name, [...rule.values].sort()]);
			}
		}
	});

	it('is the README\'s "What each option accepts" table, row for row', () => {
		const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
		const section = readme.slice(readme.indexOf('## What each option accepts'), readme.indexOf('## Limits'));
		const rows = section.split('\n').filter((line) => /^\| (?!Option |---)/.test(line));
		expect(rows.map((row) => row.split(' | ').map((cell) => cell.replace(/^\| | \|$/g, '')))
			.map(([name, , accepts]) => [name, accepts])).toEqual(Object.values(OPTION_RULES).map((rule) => [rule.displayName, describeRule(rule)]));
	});

	it.each([
		['batchSize', 'auto', '"Batch Size" is "auto"; it must be a whole number from 1 to 2,048'],
		['batchSize', NaN, '"Batch Size" is NaN; it must be a whole number from 1 to 2,048'],
		['batchSize', 0, '"Batch Size" is 0; it must be a whole number from 1 to 2,048'],
		['batchSize', -3, '"Batch Size" is -3; it must be a whole number from 1 to 2,048'],
		['batchSize', 2.5, '"Batch Size" is 2.5; it must be a whole number from 1 to 2,048'],
		['batchSize', Infinity, '"Batch Size" is Infinity; it must be a whole number from 1 to 2,048'],
		['batchSize', '12abc', '"Batch Size" is "12abc"; it must be a whole number from 1 to 2,048'],
		['batchSize', true, '"Batch Size" is true; it must be a whole number from 1 to 2,048'],
		['batchSize', [4], '"Batch Size" is a list; it must be a whole number from 1 to 2,048'],
		['maxConcurrency', 1e9, '"Max Concurrent Requests" is 1000000000; it must be a whole number from 1 to 64'],
		['timeout', 0.0001, '"Timeout (Seconds)" is 0.0001; it must be a number from 1 to 3,600 seconds'],
		['topP', 0, '"Top P" is 0; it must be a number above 0 and at most 1'],
		['maxWaitMinutes', -1, '"Max Wait (Minutes)" is -1; it must be a number from 0 to 10,080 minutes'],
	] as const)('refuses %s = %p, naming the option, the value and the range', (name, value, message) => {
		expect(() => checkedNumber(name, value, 1)).toThrow(new OptionValueError(name, value, message));
	});

	it('takes numbers in range, numeric text (a CSV field) as its number, and unset values as the default', () => {
		expect(checkedNumber('batchSize', 2048, 128)).toBe(2048);
		expect(checkedNumber('batchSize', ' 64 ', 128)).toBe(64);
		expect(checkedNumber('timeout', 1.5, 60)).toBe(1.5);
		expect(checkedNumber('batchSize', undefined, 128)).toBe(128);
		expect(checkedNumber('batchSize', null, 128)).toBe(128);
		expect(checkedNumber('batchSize', '', 128)).toBe(128);
		expect(checkedNumber('outputDimension', undefined)).toBeUndefined();
		expect(checkedNumber('topP', 1, 1)).toBe(1);
	});

	it('refuses a choice the editor does not offer', () => {
		expect(checkedChoice('outputDtype', 'int8', 'float')).toBe('int8');
		expect(checkedChoice('outputDtype', undefined, 'float')).toBe('float');
		expect(() => checkedChoice('outputDtype', 'float64', 'float')).toThrow(
			'"Output Data Type" is "float64"; it must be one of "float", "int8", "uint8", "binary", "ubinary"',
		);
		expect(() => checkedChoice('processing', 1, 'realtime')).toThrow('"Processing" is 1; it must be one of "realtime", "batch"');
	});

	it('checks only the options that are set, and the first bad one throws', () => {
		expect(() => checkOptions({ batchSize: 10, timeout: 30 }, ['batchSize', 'timeout', 'maxRetries'])).not.toThrow();
		expect(() => checkOptions({ batchSize: 10, timeout: 0 }, ['batchSize', 'timeout'])).toThrow(/"Timeout \(Seconds\)" is 0/);
	});
});
