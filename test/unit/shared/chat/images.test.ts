import { detectImageType, imageDataUrl } from '../../../../nodes/shared/chat/images';

describe('images', () => {
	const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

	it('detects the real type from the bytes', () => {
		expect(detectImageType(png)).toBe('image/png');
		expect(detectImageType(Buffer.from('ffd8ffe0', 'hex'))).toBe('image/jpeg');
		expect(detectImageType(Buffer.from('GIF89a'))).toBe('image/gif');
		expect(detectImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
		expect(detectImageType(Buffer.from('%PDF-1.4'))).toBeUndefined();
	});

	it('makes a data URL and refuses non-images and images over 20 MB', () => {
		expect(imageDataUrl(png, 'Image 1')).toBe(`data:image/png;base64,${png.toString('base64')}`);
		expect(() => imageDataUrl(Buffer.from('%PDF-1.4'), 'Image 1', 'application/pdf')).toThrow(/not a PNG, JPEG, GIF or WEBP/);
		const huge = Buffer.alloc(20 * 1024 * 1024 + 1);
		png.copy(huge);
		expect(() => imageDataUrl(huge, 'Image 1')).toThrow(/20 MB/);
	});
});
