/**
 * What the API families (files, batch jobs, voices…) need from the transport, as a plain interface
 * (pure): MistralClient implements it with n8n's request helper, retries, the rate-limit gate and
 * redaction; a family's code speaks to it by path and never sees n8n.
 */
import type { MultipartBody } from './multipart';

export interface RequestMeta {
	/** Named in "model not found" errors; a 403 or unknown model ends only this model's requests. */
	model?: string;
	/**
	 * A POST that is cheap and harmless to send twice (embeddings, a file upload): its 500, 502 and
	 * 504 are retried up to Max Retries. Without it a POST counts as generating (billed): those
	 * answers may come after the work was done, so it is retried at most Max Ambiguous Retries times.
	 * GETs and DELETEs are always repeatable.
	 */
	repeatable?: boolean;
	/**
	 * What the request is about when it names one resource, e.g. `batch job "1a2b"`: a 404 then fails
	 * this request alone and says that resource does not exist, instead of ending the execution's
	 * requests as a wrong Base URL would.
	 */
	resource?: string;
}

export interface MistralApi {
	get<T>(path: string, meta?: RequestMeta): Promise<T>;
	getText(path: string, meta?: RequestMeta): Promise<string>;
	post<T>(path: string, body: Record<string, unknown>, meta?: RequestMeta, itemIndex?: number): Promise<T>;
	postMultipart<T>(path: string, body: MultipartBody, meta?: RequestMeta, itemIndex?: number): Promise<T>;
	delete<T>(path: string, meta?: RequestMeta, itemIndex?: number): Promise<T>;
}
