import { describe, expect, it } from 'vitest';
import { baseHref, ingressBasePath } from './ingress.js';

describe('ingress base path', () => {
  it('accepts the Supervisor\'s ingress path only', () => {
    expect(ingressBasePath('/api/hassio_ingress/AbC-123_x')).toBe('/api/hassio_ingress/AbC-123_x');
    expect(ingressBasePath('/api/hassio_ingress/AbC-123_x/')).toBe('/api/hassio_ingress/AbC-123_x');
    expect(ingressBasePath(['/api/hassio_ingress/tok'])).toBe('/api/hassio_ingress/tok');
    for (const bad of [
      undefined,
      '',
      '/api/hassio_ingress/',
      '//evil.example/api/hassio_ingress/tok',
      'https://evil.example/api/hassio_ingress/tok',
      '/api/hassio_ingress/../../admin',
      '/api/hassio_ingress/tok"><script>',
      '/api/hassio_ingress/tok/extra',
      ['/api/hassio_ingress/a', '/api/hassio_ingress/b'],
    ]) {
      expect(ingressBasePath(bad)).toBe('');
    }
  });

  it('baseHref ends with a slash and is "/" outside ingress', () => {
    expect(baseHref('/api/hassio_ingress/tok')).toBe('/api/hassio_ingress/tok/');
    expect(baseHref('')).toBe('/');
    expect(baseHref('javascript:alert(1)')).toBe('/');
  });
});
