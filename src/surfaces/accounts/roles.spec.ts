import { SCOPES } from '../../platform/http/scopes';
import { mayManage, ROLE_SCOPES, ROLES } from './roles';

describe('ROLE_SCOPES', () => {
  it('gives every role only known scopes', () => {
    for (const role of ROLES) {
      for (const scope of ROLE_SCOPES[role]) expect(SCOPES).toContain(scope);
    }
  });

  it('gives the analyst no write scope and support none of campaigns, templates or rules', () => {
    expect(ROLE_SCOPES.analyst.filter((s) => !s.endsWith(':read'))).toEqual([]);
    expect(ROLE_SCOPES.support).not.toContain('campaigns:write');
    expect(ROLE_SCOPES.support).not.toContain('templates:write');
    expect(ROLE_SCOPES.support).not.toContain('lifecycle:write');
    expect(ROLE_SCOPES.support).toContain('subscribers:write');
  });

  it('lets only an owner make admins and owners', () => {
    expect(mayManage('owner', 'admin')).toBe(true);
    expect(mayManage('admin', 'admin')).toBe(false);
    expect(mayManage('admin', 'marketer')).toBe(true);
    expect(mayManage('api_key_admin', 'owner')).toBe(false);
    expect(mayManage('marketer', 'analyst')).toBe(false);
  });
});
