import type { CutoverCheck, Outcome } from '../check.ts';
import type { ValidateContext } from '../context.ts';
import type { ApiResult } from '../supabase-api.ts';

export const needsApi = (ctx: ValidateContext) =>
  !ctx.projectRef ? 'needs --supabase-project-ref' : !ctx.api ? 'needs SUPABASE_ACCESS_TOKEN in the environment' : null;

export function apiError(result: ApiResult<unknown>): Outcome {
  return { status: 'error', summary: result.error ?? 'no answer', evidence: { httpStatus: result.status } };
}

interface Project {
  ref: string;
  region: string;
  status: string;
  created_at: string;
}

export const getProject = (ctx: ValidateContext) => ctx.api!.get<Project>(`/v1/projects/${ctx.projectRef}`);

export const projectRegion: CutoverCheck = {
  id: 'project.region',
  title: 'The new project is in the expected region',
  strict: true,
  needs: (ctx) => needsApi(ctx) ?? (ctx.expectRegion ? null : 'needs --expect-region (region codes are configuration, not an enum)'),
  async run(ctx) {
    const result = await getProject(ctx);
    if (!result.ok) return apiError(result);
    const region = result.body!.region;
    return region === ctx.expectRegion
      ? { status: 'pass', summary: `project ${ctx.projectRef} is in ${region}`, evidence: { region } }
      : { status: 'fail', summary: `project ${ctx.projectRef} is in ${region}, expected ${ctx.expectRegion}`, evidence: { region, expected: ctx.expectRegion } };
  },
};

export const projectStatus: CutoverCheck = {
  id: 'project.status',
  title: 'The new project is ACTIVE_HEALTHY',
  strict: true,
  needs: needsApi,
  async run(ctx) {
    const result = await getProject(ctx);
    if (!result.ok) return apiError(result);
    const status = result.body!.status;
    return { status: status === 'ACTIVE_HEALTHY' ? 'pass' : 'fail', summary: `project status ${status}`, evidence: { status } };
  },
};

export const projectServices: CutoverCheck = {
  id: 'project.services',
  title: "The new project's services are healthy",
  strict: true,
  needs: needsApi,
  async run(ctx) {
    const services = ctx.config.validate.services;
    const result = await ctx.api!.get<{ name: string; status: string; error?: string }[]>(`/v1/projects/${ctx.projectRef}/health?services=${services.join(',')}`);
    if (!result.ok) return apiError(result);
    const unhealthy = result.body!.filter((s) => s.status !== 'ACTIVE_HEALTHY');
    const evidence = Object.fromEntries(result.body!.map((s) => [s.name, s.status]));
    return unhealthy.length
      ? { status: 'fail', summary: unhealthy.map((s) => `${s.name} ${s.status}${s.error ? ` (${s.error})` : ''}`).join(', '), evidence }
      : { status: 'pass', summary: `${services.join(', ')}: all ACTIVE_HEALTHY`, evidence };
  },
};
