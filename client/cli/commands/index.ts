/**
 * Every `vend` subcommand, one file each. A new command (e.g. `doctor`) is a file exporting
 * `register(program, io)` and a line here.
 */
import { type Command } from 'commander';
import { type CliIo } from '../context';
import * as baseline from './baseline';
import * as blueprints from './blueprints';
import * as cancel from './cancel';
import * as close from './close';
import * as confirm from './confirm';
import * as decide from './decide';
import * as doctor from './doctor';
import * as iamPolicy from './iam-policy';
import * as list from './list';
import * as request from './request';
import * as status from './status';
import * as watch from './watch';

export const COMMANDS: { register(program: Command, io: CliIo): void }[] = [request, close, status, list, decide, confirm, cancel, watch, doctor, iamPolicy, blueprints, baseline];
