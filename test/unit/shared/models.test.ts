import { selectModels } from '../../../nodes/shared/models';

describe('model list', () => {
	const mistral = [
		{ id: 'mistral-small-latest', capabilities: { completion_chat: true } },
		{ id: 'mistral-embed', capabilities: { completion_chat: false } },
		{ id: 'codestral-embed', capabilities: { completion_chat: false } },
		{ id: 'mistral-ocr-latest', capabilities: { completion_chat: false } },
	];
	const bare = [{ id: 'llama3' }, { id: 'nomic-embed-text' }];

	it('offers chat models only when the server sends capabilities', () => {
		expect(selectModels(mistral, 'chat').map((m) => m.id)).toEqual(['mistral-small-latest']);
		expect(selectModels(bare, 'chat').map((m) => m.id)).toEqual(['llama3', 'nomic-embed-text']);
	});

	it('offers embedding models only on Mistral, and first elsewhere', () => {
		expect(selectModels(mistral, 'embed').map((m) => m.id)).toEqual(['codestral-embed', 'mistral-embed']);
		expect(selectModels(bare, 'embed').map((m) => m.id)).toEqual(['nomic-embed-text', 'llama3']);
	});

	it('filters by the search text', () => {
		expect(selectModels(mistral, 'embed', 'CODE').map((m) => m.id)).toEqual(['codestral-embed']);
	});
});
