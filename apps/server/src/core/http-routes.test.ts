import { describe, expect, it } from 'vitest';
import { HttpRoutes } from './http-routes.ts';

describe('HTTP routes registered by modules', () => {
  it('finds the handler by the longest prefix, with or without the trailing slash', () => {
    const routes = new HttpRoutes();
    const upload = () => undefined;
    const uploadAdmin = () => undefined;
    routes.route('/upload/', upload);
    routes.route('/upload/admin/', uploadAdmin);
    expect(routes.match('/upload/abc/file.png')).toBe(upload);
    expect(routes.match('/upload')).toBe(upload);
    expect(routes.match('/upload/admin/x')).toBe(uploadAdmin);
    expect(routes.match('/uploads/x')).toBeNull();
    expect(routes.match('/')).toBeNull();
  });

  it('refuses a taken prefix and forgets a removed route', () => {
    const routes = new HttpRoutes();
    const remove = routes.route('/http-bind/', () => undefined);
    expect(() => routes.route('/http-bind/', () => undefined)).toThrow(/taken/);
    expect(() => routes.route('http-bind', () => undefined)).toThrow(/prefix/);
    remove();
    expect(routes.match('/http-bind')).toBeNull();
  });
});
