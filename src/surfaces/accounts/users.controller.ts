import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Req,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { AuthenticatedRequest, RequireScopes } from '../../platform/http/auth.decorators';
import { InviteUserDto, UpdateUserDto, UserDto } from './account.dto';
import { AccountsService, UserManager } from './accounts.service';
import { actorOf } from './activity.interceptor';
import { isRole } from './roles';

/** Who manages users in this request: a user with their role, or an admin API key. */
function managerOf(req: AuthenticatedRequest): UserManager {
  const actor = actorOf(req);
  const role = req.user?.role;
  return { actor, role: isRole(role) ? role : 'api_key_admin' };
}

@ApiTags('users')
@RequireScopes('admin')
@Controller('v1/users')
export class UsersController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @ApiOperation({
    summary: 'Invite someone by email (owners any role; admins and admin keys roles below admin)',
  })
  @ApiCreatedResponse({ type: UserDto })
  @ApiErrors(400, [409, 'A user with this email exists'])
  async invite(@Req() req: AuthenticatedRequest, @Body() dto: InviteUserDto): Promise<UserDto> {
    const user = await this.accounts.invite(managerOf(req), { ...dto, locale: dto.locale ?? 'en' });
    return UserDto.from(user);
  }

  @Get()
  @ApiOperation({ summary: 'Every console user, oldest first' })
  @ApiOkResponse({ type: UserDto, isArray: true })
  async list(): Promise<UserDto[]> {
    return (await this.accounts.list()).map((u) => UserDto.from(u));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A console user' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 404)
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserDto> {
    return UserDto.from(await this.accounts.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a user's role, name or language, or disable or enable them" })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 404, [422, 'It would leave no enabled owner, or disable yourself'])
  async update(
    @Req() req: AuthenticatedRequest,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserDto> {
    return UserDto.from(await this.accounts.update(managerOf(req), id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user (their sessions end; the activity log keeps their name)',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404, [422, 'It would leave no enabled owner, or delete yourself'])
  async remove(
    @Req() req: AuthenticatedRequest,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    await this.accounts.remove(managerOf(req), id);
  }
}
