export * from '../../shared/chat/messages';
