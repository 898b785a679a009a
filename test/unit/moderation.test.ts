/**
 * The moderation domain (nodes/shared/moderation), pure: thresholds, answers, decisions, guardrail
 * bodies and the reading of a guardrail's 403.
 */
import { decide, readModerationResults } from '../../nodes/shared/moderation/answers';
import { describeGuardrailBlock, guardrailsField, isGuardrailBlock, readGuardrailBlock } from '../../nodes/shared/moderation/guardrails';
import { chatModerationBody, textModerationBody } from '../../nodes/shared/moderation/requests';
import { readThresholds } from '../../nodes/shared/moderation/thresholds';

describe('readThresholds', () => {
	it('reads numbers and numeric text, and names the entry, the value and the fix otherwise', () => {
		expect(readThresholds([{ category: 'pii', threshold: 0.2 }, { category: 'law', threshold: '0.7' }], 'Thresholds')).toEqual({ pii: 0.2, law: 0.7 });
		expect(readThresholds(undefined, 'Thresholds')).toEqual({});
		expect(() => readThresholds([{ category: 'pii', threshold: -0.1 }], 'Thresholds')).toThrow('"Thresholds" entry 1 ("pii") has the threshold -0.1, outside 0 to 1');
		expect(() => readThresholds([{ category: 'pii', threshold: 'strict' }], 'Thresholds')).toThrow(/"strict", which is not a number/);
		expect(() => readThresholds([{ category: 'toxicity', threshold: 0.5 }], 'Thresholds')).toThrow(/unknown category "toxicity"/);
		expect(() => readThresholds([{ category: 'pii', threshold: 0.5 }, { category: 'pii', threshold: 0.6 }], 'Thresholds')).toThrow(/repeats the category "pii"/);
		expect(() => readThresholds('pii=0.5', 'Thresholds')).toThrow(/must be a list/);
	});
});

describe('answers and decisions', () => {
	const answer = {
		id: 'x',
		model: 'm',
		results: [
			{ categories: { pii: true, law: false }, category_scores: { pii: 0.7, law: 0.3 } },
			{ categories: { pii: false, law: false }, category_scores: { pii: 0.1, law: 0.45 } },
		],
	};

	it('reads one result per input and refuses an answer that does not fit the request', () => {
		expect(readModerationResults(answer, 2)[1]).toEqual({ categories: { pii: false, law: false }, scores: { pii: 0.1, law: 0.45 } });
		expect(() => readModerationResults(answer, 3)).toThrow(/2 moderation result\(s\) for 3 input\(s\)/);
		expect(() => readModerationResults({ data: [] }, 1)).toThrow(/without "results"/);
	});

	it('uses Mistral\'s verdict by default, a threshold where given, and only listed categories when asked', () => {
		const [first, second] = readModerationResults(answer, 2);
		expect(decide(first, { thresholds: {}, onlyListed: false }, 'm')).toEqual({ flagged: true, flaggedCategories: ['pii'] });
		expect(decide(second, { thresholds: { law: 0.4 }, onlyListed: false }, 'm')).toEqual({ flagged: true, flaggedCategories: ['law'] });
		expect(decide(first, { thresholds: { law: 0.4 }, onlyListed: true }, 'm')).toEqual({ flagged: false, flaggedCategories: [] });
		expect(decide(first, { thresholds: { pii: 0.7 }, onlyListed: false }, 'm').flagged).toBe(true);
		expect(() => decide(first, { thresholds: { jailbreaking: 0.5 }, onlyListed: false }, 'm')).toThrow(/"m" does not score "jailbreaking"; it scores pii, law/);
	});

	it('builds the spec\'s request bodies', () => {
		expect(textModerationBody('m', ['a', 'b'])).toEqual({ model: 'm', input: ['a', 'b'] });
		const one = [{ role: 'user' as const, content: 'hi' }];
		expect(chatModerationBody('m', [one])).toEqual({ model: 'm', input: one });
		expect(chatModerationBody('m', [one, one])).toEqual({ model: 'm', input: [one, one] });
	});
});

describe('guardrails', () => {
	it('builds GuardrailConfig from the option, and refuses what Mistral would not understand', () => {
		expect(guardrailsField({ settings: { policy: 'moderation_llm_v1', onViolation: 'none', blockOnError: true, thresholds: { threshold: [{ category: 'dangerous_and_criminal_content', threshold: 0.3 }] } } })).toEqual({
			guardrails: [{ block_on_error: true, moderation_llm_v1: { action: 'none', ignore_other_categories: false, custom_category_thresholds: { dangerous_and_criminal_content: 0.3 } } }],
		});
		expect(guardrailsField({})).toEqual({});
		expect(guardrailsField({ settings: { thresholds: { threshold: [{ category: 'dangerous_and_criminal_content', threshold: 0.3 }] } } }).problem).toMatch(/unknown category "dangerous_and_criminal_content".*jailbreaking/);
		expect(guardrailsField({ settings: { ignoreOtherCategories: true } }).problem).toMatch(/nothing would be checked/);
		expect(guardrailsField({ settings: { policy: 'moderation_llm_v3' } }).problem).toMatch(/"Guardrails > Policy"/);
	});

	it('tells a guardrail block from an access 403, and names the violated categories', () => {
		const body = {
			error: { message: 'Content blocked by guardrail', status: 403 },
			guardrails: { results: { moderation_llm_v2: { scores: { pii: 0.93, law: 0.2 }, thresholds: { pii: 0.5, law: 0.5 }, violations: { pii: true, law: false } } } },
		};
		expect(isGuardrailBlock(403, body)).toBe(true);
		expect(isGuardrailBlock(403, JSON.stringify(body))).toBe(true);
		expect(isGuardrailBlock(403, { message: 'Forbidden' })).toBe(false);
		expect(isGuardrailBlock(400, body)).toBe(false);
		expect(readGuardrailBlock(body).categories).toEqual([{ category: 'pii', score: 0.93, threshold: 0.5 }]);
		expect(describeGuardrailBlock(body).message).toBe("Blocked by Mistral's guardrail: pii (score 0.93, threshold 0.5)");
		// Without details, still a clear sentence.
		expect(describeGuardrailBlock({ error: { message: 'Content blocked by guardrail', status: 403 } }).message).toBe("Blocked by Mistral's guardrail (Content blocked by guardrail)");
	});
});
