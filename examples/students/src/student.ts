import { DomainError, ValidationError, type Decider, type Event } from '@chronicle/core';

export type StudentCreated = Event<'StudentCreated', { studentId: string; fullName: string; email: string; dateOfBirth: string }>;
/** Only the name and e-mail can change (seed 000). */
export type StudentUpdated = Event<'StudentUpdated', { fullName: string; email: string }>;
export type StudentEnrolled = Event<'StudentEnrolled', { courseName: string }>;
export type StudentUnenrolled = Event<'StudentUnenrolled', { courseName: string }>;
export type StudentEvent = StudentCreated | StudentUpdated | StudentEnrolled | StudentUnenrolled;

export type StudentCommand =
  | { readonly type: 'CreateStudent'; readonly studentId: string; readonly fullName: string; readonly email: string; readonly dateOfBirth: string }
  | { readonly type: 'UpdateStudent'; readonly fullName: string; readonly email: string }
  | { readonly type: 'Enroll'; readonly courseName: string }
  | { readonly type: 'Unenroll'; readonly courseName: string };

/** The student as folded from the stream: the live projection. */
export type Student =
  | { readonly exists: false }
  | { readonly exists: true; readonly id: string; readonly fullName: string; readonly email: string; readonly dateOfBirth: string; readonly courses: readonly string[] };

export class StudentNotFoundError extends DomainError {
  constructor() {
    super('STUDENT_NOT_FOUND', 'no such student');
  }
}
export class StudentExistsError extends DomainError {
  constructor() {
    super('STUDENT_EXISTS', 'the student already exists');
  }
}
export class AlreadyEnrolledError extends DomainError {
  constructor(readonly courseName: string) {
    super('ALREADY_ENROLLED', `already enrolled in ${courseName}`);
  }
}
export class NotEnrolledError extends DomainError {
  constructor(readonly courseName: string) {
    super('NOT_ENROLLED', `not enrolled in ${courseName}`);
  }
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function existing(student: Student): Extract<Student, { exists: true }> {
  if (!student.exists) throw new StudentNotFoundError();
  return student;
}

/** Seed 000's student. Stream per student: `student-<id>`. */
export const studentDecider: Decider<StudentCommand, StudentEvent, Student> = {
  initialState: () => ({ exists: false }),
  decide(command, student) {
    switch (command.type) {
      case 'CreateStudent': {
        if (student.exists) throw new StudentExistsError();
        if (!EMAIL.test(command.email)) throw ValidationError.of('email', 'is not an e-mail address');
        const { studentId, fullName, email, dateOfBirth } = command;
        return [{ type: 'StudentCreated', data: { studentId, fullName, email, dateOfBirth } }];
      }
      case 'UpdateStudent': {
        const current = existing(student);
        if (!EMAIL.test(command.email)) throw ValidationError.of('email', 'is not an e-mail address');
        if (current.fullName === command.fullName && current.email === command.email) return [];
        return [{ type: 'StudentUpdated', data: { fullName: command.fullName, email: command.email } }];
      }
      case 'Enroll':
        if (existing(student).courses.includes(command.courseName)) throw new AlreadyEnrolledError(command.courseName);
        return [{ type: 'StudentEnrolled', data: { courseName: command.courseName } }];
      case 'Unenroll':
        if (!existing(student).courses.includes(command.courseName)) throw new NotEnrolledError(command.courseName);
        return [{ type: 'StudentUnenrolled', data: { courseName: command.courseName } }];
    }
  },
  evolve(student, event) {
    switch (event.type) {
      case 'StudentCreated':
        return { exists: true, id: event.data.studentId, fullName: event.data.fullName, email: event.data.email, dateOfBirth: event.data.dateOfBirth, courses: [] };
      case 'StudentUpdated':
        return student.exists ? { ...student, fullName: event.data.fullName, email: event.data.email } : student;
      case 'StudentEnrolled':
        return student.exists ? { ...student, courses: [...student.courses, event.data.courseName] } : student;
      case 'StudentUnenrolled':
        return student.exists ? { ...student, courses: student.courses.filter((c) => c !== event.data.courseName) } : student;
    }
  },
};

export const studentStream = (studentId: string): string => `student-${studentId}`;
