/** Image checks for vision requests (pure). Mistral accepts PNG, JPEG, GIF and WEBP up to 20 MB. */
import { InputError } from '../errors';

export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** Detects the image type from its first bytes; the file name or stated MIME type can lie. */
export function detectImageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | undefined {
	const startsWith = (...signature: number[]) => signature.every((byte, index) => bytes[index] === byte);
	if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
	if (startsWith(0xff, 0xd8, 0xff)) return 'image/jpeg';
	if (startsWith(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
	if (startsWith(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) {
		return 'image/webp';
	}
	return undefined;
}

export function imageDataUrl(bytes: Buffer, label: string, statedMimeType?: string): string {
	if (bytes.length > MAX_IMAGE_BYTES) {
		const megabytes = (bytes.length / 1024 / 1024).toFixed(1);
		throw new InputError(`${label} is ${megabytes} MB; Mistral accepts images up to 20 MB. Resize or compress it first`);
	}
	const type = detectImageType(bytes);
	if (!type) {
		throw new InputError(
			`${label} is not a PNG, JPEG, GIF or WEBP image${statedMimeType ? ` (it says "${statedMimeType}")` : ''}. Convert it to one of these formats`,
		);
	}
	return `data:${type};base64,${bytes.toString('base64')}`;
}

export function checkImageUrl(raw: unknown, label: string): string {
	if (typeof raw !== 'string' || raw.trim() === '') throw new InputError(`${label} is empty. Enter an image URL`);
	const url = raw.trim();
	if (/^data:/i.test(url)) {
		if (!/^data:image\/(png|jpeg|gif|webp);base64,/i.test(url)) {
			throw new InputError(`${label} is a data URL that is not a base64 PNG, JPEG, GIF or WEBP image`);
		}
		return url;
	}
	try {
		const parsed = new URL(url);
		if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return url;
	} catch {
		// reported below
	}
	throw new InputError(`${label} "${url.slice(0, 100)}" is not an http(s) URL or an image data URL`);
}
