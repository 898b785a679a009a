import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { MistralClient } from '../transport/client';
import { readVoicePage, type VoiceEntry } from './speech';

/** At most this many pages of 100 voices are read for the editor's list. */
const MAX_VOICE_PAGES = 10;

/** The voices the server lists (`GET /v1/audio/voices`, presets and the account's own), for the Voice list. */
export async function searchVoices(context: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const client = new MistralClient(context, { timeoutMs: 30_000, maxRetries: 2 });
	const voices: VoiceEntry[] = [];
	for (let page = 0; page < MAX_VOICE_PAGES; page++) {
		const answer = readVoicePage(await client.get<unknown>(`/audio/voices?limit=100&offset=${page * 100}&type=all`));
		voices.push(...answer.voices);
		if (answer.voices.length < 100 || page + 1 >= answer.totalPages) break;
	}
	const needle = filter?.trim().toLowerCase() ?? '';
	const results = voices
		.filter((voice) => needle === '' || voice.name.toLowerCase().includes(needle) || voice.id.toLowerCase().includes(needle))
		.map((voice) => ({ name: voice.name, value: voice.id, description: voice.description }));
	return { results };
}
