/**
 * The credential's "Test" button, owned by the nodes (`testedBy`): it lists the server's models and
 * says in words what is wrong and what to fix, for HTTP answers and for network failures alike,
 * without ever showing the API key or the secrets of the Base URL.
 */
import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { apiUrl, hostOf, keyAdvice } from './transport/baseUrl';
import { credentialAccess } from './transport/credentialAccess';
import { parseErrorBody, truncate } from './transport/errorMessages';
import { transportErrorOf } from './transport/httpAttempt';
import { describeTransportFailure, isTimeout } from './transport/transportErrors';

export const CREDENTIAL_TEST_METHOD = 'mistralAiApiTest';

const TEST_TIMEOUT_MS = 20_000;

export interface TestAnswer {
	statusCode: number;
	body: unknown;
}

/** What an answer to GET /models means for the credential (pure). */
export function judgeModelListAnswer(answer: TestAnswer, host: string, hasKey: boolean): INodeCredentialTestResult {
	const { statusCode, body } = answer;
	const serverSaid = parseErrorBody(body).message;
	const said = serverSaid ? ` Server said: "${truncate(serverSaid, 200)}".` : '';
	if (statusCode >= 200 && statusCode < 300) {
		const data = (body as { data?: unknown } | null)?.data;
		if (typeof body === 'object' && body !== null && Array.isArray(data)) return { status: 'OK', message: 'Connection successful!' };
		return {
			status: 'Error',
			message: 'The server answered, but not with a model list. Check the Base URL: it is the API root, usually ending in /v1.',
		};
	}
	if (statusCode === 401) {
		return {
			status: 'Error',
			message: hasKey
				? `The API key was rejected (401). ${keyAdvice(host, 'Copy a current')}`
				: `The server needs an API key (401). ${keyAdvice(host, 'Enter your')}`,
		};
	}
	if (statusCode === 403) {
		return { status: 'Error', message: `The API key may not list models at ${host} (403). Check the key's workspace, plan and permissions.${said}` };
	}
	if (statusCode === 404) {
		return { status: 'Error', message: 'No model list at this Base URL (404). Check the URL: it usually ends in /v1.' };
	}
	if (statusCode === 407) {
		return { status: 'Error', message: 'A proxy between n8n and the server asks for authentication (407). Configure n8n\'s proxy settings.' };
	}
	if (statusCode === 429) {
		return { status: 'OK', message: 'Connection successful. The server is rate-limiting this key right now (429).' };
	}
	if (statusCode >= 500) {
		return { status: 'Error', message: `The server at ${host} failed (${statusCode}). It may be down or overloaded: try again later.${said}` };
	}
	return { status: 'Error', message: `The server at ${host} answered ${statusCode}. Check the Base URL and the API key.${said}` };
}

export async function testMistralCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const { apiKey, baseUrl, redactor } = credentialAccess(data);
	if ('error' in baseUrl) return { status: 'Error', message: baseUrl.error };
	const url = apiUrl(baseUrl.url, '/models');
	const host = hostOf(url);

	let answer: TestAnswer;
	try {
		// The only HTTP helper n8n gives a credential test (ICredentialTestFunctions).
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions
		const response = (await this.helpers.request({
			method: 'GET',
			uri: url,
			headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : {},
			json: true,
			simple: false,
			resolveWithFullResponse: true,
			timeout: TEST_TIMEOUT_MS,
		})) as { statusCode: number; body: unknown };
		answer = { statusCode: response.statusCode, body: response.body };
	} catch (error) {
		const failure = transportErrorOf(error);
		if (isTimeout(failure.code)) {
			return {
				status: 'Error',
				message: `No answer from ${host} within ${TEST_TIMEOUT_MS / 1000} s (${failure.code}). Check the host and port of the Base URL, and that the server is up and reachable from n8n.`,
			};
		}
		const text = describeTransportFailure({
			code: failure.code,
			message: redactor.text(failure.message),
			host,
			timeoutMs: TEST_TIMEOUT_MS,
			attempts: 1,
		});
		return { status: 'Error', message: redactor.text(`${text.message}. ${text.description}`) };
	}
	const result = judgeModelListAnswer({ statusCode: answer.statusCode, body: redactor.body(answer.body) }, host, apiKey !== '');
	return { status: result.status, message: redactor.text(result.message) };
}
